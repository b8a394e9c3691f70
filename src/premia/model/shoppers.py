"""Who shops this period, for sampled demand (DESIGN §1.3).

Each consumer shops in market c with probability phi_c (its purchase rate),
independently of the others and of other markets, and each shopper draws one uniform that
picks its good (``demand._sampled_market``). Drawing a uniform per consumer and market is
what an agent-based model does; here the shoppers of a market with a small phi are drawn
as a Bernoulli process by the gaps between successive shoppers, geometric with parameter
phi, which takes about as many draws as there are shoppers.
"""

from __future__ import annotations

import numba as nb
import numpy as np


def draw_shoppers(rng: np.random.Generator, consumers: int, purchase_rate: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who shops in each market this period, and a uniform for each shopper's choice.

    Each consumer shops in market c with probability phi_c, independently. Where phi_c is
    above ``DENSE_SHOPPING`` every consumer draws a uniform; below it the shoppers are
    drawn as a Bernoulli process, by the gaps from one shopper to the next, geometric with
    parameter phi (1 + floor(E / -log(1 - phi)), E exponential), so that the draws are
    about as many as the shoppers rather than one per consumer. The draws, in this order:
    the dense markets' uniforms, a batch of exponentials for every sparse market (its
    expected shoppers plus four standard deviations plus 16), more for a market whose
    batch ran out before its last consumer (rare), then the choice uniforms.

    Returns:
        ``(start, who, uniform)``: market c's shoppers are ``who[start[c]:start[c + 1]]``
        in increasing order, with their choice uniforms beside them.
    """
    rates = np.ascontiguousarray(purchase_rate, dtype=np.float64)
    dense = (rates > DENSE_SHOPPING) & (rates < 1.0)
    sparse = (rates > 0.0) & (rates <= DENSE_SHOPPING)
    batch = np.where(sparse, gap_batch(consumers * rates), 0).astype(np.int64)
    uniforms = rng.random(int(dense.sum()) * consumers)
    gaps = rng.standard_exponential(int(batch.sum()))
    who, start, last = _shoppers(consumers, rates, dense, uniforms, gaps, batch)
    unfinished = np.flatnonzero(sparse & (last < consumers - 1))
    if unfinished.size:
        parts = [who[start[m]:start[m + 1]] for m in range(rates.size)]
        for m in unfinished:
            parts[m] = np.concatenate([parts[m], _more_shoppers(rng, consumers, rates[m],
                                                                int(last[m]))])
        start[1:] = np.cumsum([part.size for part in parts])
        who = np.concatenate(parts)
    return start, who, rng.random(who.size)


DENSE_SHOPPING = 0.5
#: A sparse market's batch of gaps: its expected shoppers plus this many standard
#: deviations plus ``BATCH_EXTRA``.
BATCH_SIGMAS = 4.0
BATCH_EXTRA = 16.0


def gap_batch(expected):
    """How many exponential gaps to draw for ``expected`` shoppers (array or number), at
    least one."""
    batch = expected + BATCH_SIGMAS * np.sqrt(expected) + BATCH_EXTRA
    return np.maximum(batch, 1.0).astype(np.int64)


@nb.njit(cache=True, error_model="numpy")
def _shoppers(consumers, rates, dense, uniforms, gaps, batch):  # pragma: no cover - compiled
    """The shoppers of every market from the drawn uniforms and exponential gaps, and for
    each sparse market the last consumer its batch reached (``consumers`` if it ended)."""
    size = 0
    for m in range(rates.size):
        size += consumers if rates[m] >= 1.0 or dense[m] else batch[m]
    who = np.empty(size, np.int64)
    start = np.zeros(rates.size + 1, np.int64)
    last = np.full(rates.size, consumers, np.int64)
    found, used_u, used_g = 0, 0, 0
    for m in range(rates.size):
        phi = rates[m]
        if phi >= 1.0 or dense[m]:
            everyone = phi >= 1.0
            for i in range(consumers):  # written always, kept if drawn: no branch on a draw
                who[found] = i
                found += 1 if everyone or uniforms[used_u + i] < phi else 0
            used_u += consumers if dense[m] else 0
        elif phi > 0.0:
            found, last[m] = _walk(consumers, phi, -1, gaps[used_g:used_g + batch[m]], who,
                                   found)
            used_g += batch[m]
        start[m + 1] = found
    return who[:found], start, last


@nb.njit(cache=True, error_model="numpy")
def _walk(consumers, phi, last, gaps, who, found):  # pragma: no cover - compiled
    """Shoppers after consumer ``last``, one gap 1 + floor(E / -log(1 - phi)) each, written
    into ``who`` from ``found``; returns the new count and the last shopper reached
    (``consumers`` once a gap passes the last consumer)."""
    scale = -1.0 / np.log1p(-phi)  # infinite for a tiny phi: nobody shops
    i = last
    for g in range(gaps.size):
        gap = np.floor(gaps[g] * scale)
        if not gap < consumers - 1 - i:  # past the last consumer (or not a number)
            return found, consumers
        i += 1 + int(gap)
        who[found] = i
        found += 1
    return found, i


def _more_shoppers(rng: np.random.Generator, consumers: int, phi: float,
                   last: int) -> np.ndarray:
    """Shoppers after consumer ``last`` in a sparse market whose batch ran out, batch
    after batch."""
    found: list[np.ndarray] = []
    while last < consumers - 1:
        gaps = rng.standard_exponential(int(gap_batch((consumers - 1 - last) * phi)))
        who = np.empty(gaps.size, np.int64)
        count, last = _walk(consumers, phi, last, gaps, who, 0)
        found.append(who[:count])
    return np.concatenate(found) if found else np.zeros(0, np.int64)


#: The shoppers argument of an expected-demand call (the kernel reads it in sampled mode only).
NO_SHOPPERS = (np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0))
