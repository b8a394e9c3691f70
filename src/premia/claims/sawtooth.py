"""Detecting a sawtooth: repeated rise and decay of a series (the leader's markup).

A cycle is a peak whose topographic prominence is at least ``prominence`` (a rise of at
least that much from the higher of the two surrounding troughs, and a decay of at least
that much afterwards, unless the series ends first). Counting such peaks rather than
assuming them lets the model show whether technology premiums really come in cycles.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks


def cycles(series: np.ndarray, prominence: float = 0.05, min_gap: int = 3) -> int:
    """Number of rise-and-decay cycles in ``series``.

    Args:
        series: values over time (e.g. the highest markup in a category each period).
        prominence: least rise and fall (in the series' units) that counts as a cycle.
        min_gap: least number of periods between two peaks.

    Returns:
        The number of completed cycles: peaks reached by a rise of at least ``prominence``
        and followed by a decay of at least ``prominence`` before the series ends (a
        series that starts high and only decays has no cycle).

    Example:
        >>> t = np.arange(120)
        >>> cycles(0.3 * ((t % 30) < 10) + 0.01 * np.sin(t))
        3
        >>> cycles(np.linspace(0, 1, 120))
        0
    """
    x = np.asarray(series, dtype=np.float64)
    if x.size < 3:
        return 0
    peaks, _ = find_peaks(x, prominence=prominence, distance=min_gap)
    done = 0
    for p in peaks:
        after = x[p:]
        if after.size and x[p] - after.min() >= prominence:
            done += 1
    return done
