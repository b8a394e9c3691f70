"""Detecting a sawtooth: premiums that jump up and then erode (the leader's markup).

The essay's technology cycle has a shape: an innovation lifts the premium at once, and
imitation and entry wear it down until the next innovation. A *cycle* is therefore a peak
of the series that

1. stands out of the series' own month-to-month noise: its prominence is at least
   ``jump`` noise units, where a noise unit ``s`` is the robust standard deviation of the
   first differences, ``s = 1.4826 * median(|Δx - median(Δx)|)`` (or, when more than half
   of the differences are equal, their mean absolute deviation);
2. was reached by a jump: within ``window`` periods before the peak the series rose by at
   least ``jump * s`` and by at least half of the whole rise from the preceding trough
   (a random walk also makes prominent peaks, but by many small steps);
3. erodes afterwards: the series falls by at least half of that rise, and by ``jump * s``,
   before it ends.

Every threshold is in units of the series' own variability, so the count does not change
when the series is shifted or rescaled (``cycles(a * x + b) == cycles(x)`` for ``a > 0``).
On constructed series it counts the teeth of a sawtooth and no cycle in white noise, a
random walk or a monotone climb (``tests/test_claims_sawtooth.py``).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

ROBUST_SD = 1.4826  # MAD -> standard deviation for normal noise


def noise_scale(series: np.ndarray) -> float:
    """The series' month-to-month noise: a robust standard deviation of its differences.

    Example:
        >>> round(noise_scale(np.array([0.0, 1.0, 0.0, 1.0, 0.0])), 4)
        1.4826
    """
    d = np.diff(np.asarray(series, dtype=np.float64))
    if d.size == 0:
        return 0.0
    dev = np.abs(d - np.median(d))
    mad = ROBUST_SD * float(np.median(dev))
    return mad if mad > 0 else float(dev.mean())


def cycle_peaks(series: np.ndarray, jump: float = 6.0, window: int = 2,
                min_gap: int = 3) -> list[int]:
    """The periods at which a completed rise-and-erosion cycle peaks.

    Args:
        series: values over time (e.g. the technology leader's markup each month).
        jump: least rise and fall, in noise units (see :func:`noise_scale`).
        window: periods within which the rise must mostly happen.
        min_gap: least number of periods between two peaks.

    Returns:
        The indices of the peaks that count as cycles.

    Example:
        >>> t = np.arange(120)
        >>> cycle_peaks(np.where(t % 40 == 0, 1.0, 0.0) + np.maximum(0, 1 - (t % 40) / 20))
        [40, 80]
    """
    x = np.asarray(series, dtype=np.float64)
    if x.size < 3 or not np.all(np.isfinite(x)):
        return []
    s = noise_scale(x)
    if s <= 0:
        return []
    least = jump * s
    peaks, props = find_peaks(x, prominence=least, distance=min_gap)
    found = []
    for p, left in zip(peaks, props["left_bases"], strict=True):
        rise = x[p] - x[left:p + 1].min()
        start = max(int(left), p - window)
        quick = x[p] - x[start:p].min() if p > start else 0.0
        fall = x[p] - x[p:].min()
        if quick >= max(least, 0.5 * rise) and fall >= max(least, 0.5 * rise):
            found.append(int(p))
    return found


def cycles(series: np.ndarray, jump: float = 6.0, window: int = 2, min_gap: int = 3) -> int:
    """Number of completed rise-and-erosion cycles in ``series`` (see :func:`cycle_peaks`).

    Example:
        >>> t = np.arange(240)
        >>> cycles(0.4 * np.exp(-(t % 40) / 8.0))   # five jumps after the start
        5
        >>> cycles(np.linspace(0, 1, 120))
        0
    """
    return len(cycle_peaks(series, jump, window, min_gap))
