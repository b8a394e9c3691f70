"""Parameter designs of a sweep: grids, value lists and space-filling samples.

A design is a list of *points*; a point is ``{override path: value}`` in the ``--set``
syntax of :mod:`premia.loading` (``category.phones.patent_length``, ...). Grids and value
lists are crossed (full factorial); sampled points are crossed with the factorial points.

Example:
    >>> axes = [parse_grid("category.phones.patent_length=6:18:3"),
    ...         parse_values("scenario.pricing=adaptive,nash")]
    >>> [tuple(p.values()) for p in factorial(axes)][:3]
    [(6, 'adaptive'), (6, 'nash'), (12, 'adaptive')]
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from premia.loading import parse_value

SAMPLERS = ("sobol", "lhs", "random")


class DesignError(ValueError):
    """A malformed ``--grid``/``--values``/``--range``/``--sample`` item (one line)."""


@dataclass(frozen=True)
class Axis:
    """One swept parameter and the values it takes."""

    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Range:
    """A continuous range ``[low, high]`` of one parameter (for sampling)."""

    path: str
    low: float
    high: float


def _split(item: str, option: str, example: str) -> tuple[str, str]:
    path, sep, rest = item.partition("=")
    path = path.strip()
    if not sep or not path or not rest.strip() or " " in path:
        raise DesignError(f"{option} {item!r}: expected {example}")
    return path, rest.strip()


def _number(text: str, item: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DesignError(f"{option} {item!r}: {text!r} is not a number") from None
    if not np.isfinite(value):
        raise DesignError(f"{option} {item!r}: {text!r} is not a finite number")
    return value


def clean(x: float) -> float:
    """Round to 12 significant digits so that the same point always hashes the same."""
    return float(f"{float(x):.12g}")


def linspace(lo_text: str, hi_text: str, n: int) -> tuple[Any, ...]:
    """``n`` evenly spaced values; integers when both ends are integers and the step is."""
    lo, hi = float(lo_text), float(hi_text)
    if n == 1:
        return (int(lo) if lo_text.lstrip("-").isdigit() else clean(lo),)
    points = np.linspace(lo, hi, n)
    integral = lo_text.lstrip("-").isdigit() and hi_text.lstrip("-").isdigit()
    if integral and (int(hi) - int(lo)) % (n - 1) == 0:
        return tuple(round(float(v)) for v in points)
    return tuple(clean(v) for v in points)


def parse_grid(item: str, option: str = "--grid") -> Axis:
    """``PATH=LO:HI:N`` -> an :class:`Axis` of ``N`` evenly spaced values from LO to HI.

    Example:
        >>> parse_grid("culture.miao.decay=0:0.02:3").values
        (0.0, 0.01, 0.02)
    """
    example = "PATH=LO:HI:N, e.g. category.phones.patent_length=6:30:5"
    path, spec = _split(item, option, example)
    parts = spec.split(":")
    if len(parts) != 3:
        raise DesignError(f"{option} {item!r}: expected {example}")
    lo, hi = (_number(p, item, option) for p in parts[:2])
    if not parts[2].strip().isdigit() or int(parts[2]) < 1:
        raise DesignError(f"{option} {item!r}: N must be a whole number >= 1")
    if hi < lo:
        raise DesignError(f"{option} {item!r}: HI must not be below LO")
    return Axis(path, linspace(parts[0].strip(), parts[1].strip(), int(parts[2])))


def parse_values(item: str, option: str = "--values") -> Axis:
    """``PATH=A,B,C`` -> an :class:`Axis` of the listed values (parsed as TOML values)."""
    path, spec = _split(item, option, "PATH=A,B,C, e.g. scenario.pricing=adaptive,nash")
    values = tuple(parse_value(v.strip()) for v in spec.split(","))
    if any(v == "" for v in values):
        raise DesignError(f"{option} {item!r}: empty value in the list")
    return Axis(path, values)


def parse_range(item: str, option: str = "--range") -> Range:
    """``PATH=LO:HI`` -> a :class:`Range` (LO < HI)."""
    example = "PATH=LO:HI, e.g. culture.miao.decay=0:0.02"
    path, spec = _split(item, option, example)
    parts = spec.split(":")
    if len(parts) != 2:
        raise DesignError(f"{option} {item!r}: expected {example}")
    lo, hi = (_number(p, item, option) for p in parts)
    if not lo < hi:
        raise DesignError(f"{option} {item!r}: LO must be below HI")
    return Range(path, lo, hi)


def check_unique(paths: Sequence[str]) -> None:
    """Each parameter may be swept by one axis or range only."""
    seen: set[str] = set()
    for p in paths:
        if p in seen:
            raise DesignError(f"parameter {p} is given twice (use one --grid/--values/--range)")
        seen.add(p)


def factorial(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """The full factorial design of the axes (one empty point when there are none)."""
    check_unique([a.path for a in axes])
    return [dict(zip([a.path for a in axes], combo, strict=True))
            for combo in itertools.product(*(a.values for a in axes))]


def sample(method: str, n: int, ranges: Sequence[Range], seed: int = 0) -> list[dict[str, Any]]:
    """``n`` points in the box of ``ranges`` by Sobol (scrambled), Latin hypercube or
    uniform random sampling (scipy.stats.qmc), reproducible from ``seed``.

    Example:
        >>> pts = sample("lhs", 4, [Range("culture.miao.decay", 0.0, 0.02)], seed=1)
        >>> len(pts), all(0 <= p["culture.miao.decay"] <= 0.02 for p in pts)
        (4, True)
    """
    from scipy.stats import qmc

    if method not in SAMPLERS:
        raise DesignError(f"--sample {method!r}: use one of {', '.join(SAMPLERS)}")
    if not ranges:
        raise DesignError(f"--sample {method}: give at least one --range PATH=LO:HI")
    if n < 1:
        raise DesignError(f"--sample {method}: --n must be >= 1")
    check_unique([r.path for r in ranges])
    d = len(ranges)
    if method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # n need not be a power of 2
            unit = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    elif method == "lhs":
        unit = qmc.LatinHypercube(d, seed=seed).random(n)
    else:
        unit = np.random.default_rng(seed).random((n, d))
    lows = np.array([r.low for r in ranges])
    highs = np.array([r.high for r in ranges])
    box = qmc.scale(unit, lows, highs)
    return [{r.path: clean(v) for r, v in zip(ranges, row, strict=True)} for row in box]


def cross(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every point of ``a`` combined with every point of ``b``."""
    if not a:
        return b
    if not b:
        return a
    return [{**p, **q} for p in a for q in b]
