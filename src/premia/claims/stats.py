"""Effect sizes, 95% intervals and verdicts of the essay's claims.

A criterion compares a per-seed effect with a threshold in a stated direction. Over n seeds
the effect is the mean and its 95% interval the Student-t interval
``mean +- t_{0.975, n-1} s / sqrt(n)``. The verdict is

- ``holds`` when the whole interval lies on the claimed side of the threshold,
- ``fails`` when the whole interval lies on the other side (or on the threshold),
- ``inconclusive`` when the interval contains the threshold.

A claim with several criteria holds when all hold, fails when any fails, and is
inconclusive otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

Verdict = Literal["holds", "fails", "inconclusive"]


@dataclass(frozen=True)
class Interval:
    """Mean and 95% interval of per-seed values."""

    mean: float
    lo: float
    hi: float


def interval(values: list[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Student-t interval of the mean.

    Example:
        >>> iv = interval([1.0, 2.0, 3.0])
        >>> round(iv.mean, 6), round(iv.lo, 4), round(iv.hi, 4)
        (2.0, -0.4841, 4.4841)
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("an interval needs at least one finite value per seed")
    mean = float(x.mean())
    if x.size == 1:
        return Interval(mean, -math.inf, math.inf)
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Interval(mean, mean - half, mean + half)


def verdict(iv: Interval, direction: Literal[">", "<"], threshold: float) -> Verdict:
    """The verdict of a claimed ``effect direction threshold`` given its interval.

    Example:
        >>> verdict(Interval(0.5, 0.2, 0.8), ">", 0.0)
        'holds'
        >>> verdict(Interval(0.5, -0.2, 0.8), ">", 0.0)
        'inconclusive'
        >>> verdict(Interval(-0.5, -0.8, -0.2), ">", 0.0)
        'fails'
    """
    above = iv.lo > threshold
    below = iv.hi < threshold
    if direction == ">":
        return "holds" if above else ("fails" if iv.hi <= threshold else "inconclusive")
    return "holds" if below else ("fails" if iv.lo >= threshold else "inconclusive")


def combine(verdicts: list[Verdict]) -> Verdict:
    """All hold -> holds; any fails -> fails; otherwise inconclusive."""
    if any(v == "fails" for v in verdicts):
        return "fails"
    if verdicts and all(v == "holds" for v in verdicts):
        return "holds"
    return "inconclusive"
