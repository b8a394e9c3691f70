"""The logit weights of a block: the utility ceiling bounds every utility, and the shares
are the reference logit shares whether the ceiling is close or far above."""

from __future__ import annotations

import numba as nb
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from premia.model.demand import Offer, pack
from premia.model.fastmath import EXP2_FLOOR, LOG2E
from premia.model.logit import (
    BLOCK,
    CULTURE_ROWS,
    PFAC,
    REACH,
    SMALLEST_TOTAL,
    TASTE,
    block_weights,
    market_ceiling,
    utility_ceiling,
)

N_CUL, N_CRE = 2, 1


@nb.njit
def _weights(X, off, v0m, n_cul):
    size = off[0].shape[0]
    ceiling = market_ceiling(0, size, off)
    V, top, total = np.empty((size, BLOCK)), np.empty(BLOCK), np.empty(BLOCK)
    block_weights(X, 0, 0, size, off, v0m, n_cul, ceiling, V, top, total)
    bound = np.empty(BLOCK)
    utility_ceiling(X, 0, v0m, ceiling, bound)
    return V, top, total, bound


def _market(rng, goods: int, spread: float):
    """A block of consumers and a market mixing plain, origin and cultural goods."""
    X = np.zeros((1, CULTURE_ROWS + 2 * N_CUL + N_CRE, BLOCK))
    X[0, TASTE] = rng.normal(0.5, 1.0, BLOCK)  # negative tastes too
    X[0, PFAC] = rng.uniform(0.2, 3.0, BLOCK)
    X[0, CULTURE_ROWS:CULTURE_ROWS + N_CUL] = rng.uniform(-2.0, 2.0, (N_CUL, BLOCK))
    X[0, CULTURE_ROWS + N_CUL:CULTURE_ROWS + 2 * N_CUL] = rng.choice([0.0, 0.5, 1.0],
                                                                     (N_CUL, BLOCK))
    X[0, CULTURE_ROWS + 2 * N_CUL] = rng.choice([0.0, 1.0], BLOCK)
    X[0, REACH] = np.abs(X[0, CULTURE_ROWS:CULTURE_ROWS + N_CUL]).max(axis=0)
    offer = Offer(
        slots=np.arange(goods), offsets=np.array([0, goods]),
        quality_term=rng.uniform(-spread, spread, goods),
        meaning_term=rng.uniform(-3.0, 3.0, goods),
        culture=rng.integers(-1, N_CUL, goods), origin_culture=rng.integers(-1, N_CUL, goods),
        creator=rng.integers(-1, N_CRE, goods), price=rng.uniform(0.0, spread, goods),
        price_weight=np.full(goods, 0.5), purchase_rate=np.array([0.1]),
        outside_utility=np.array([rng.normal()]),
    )
    return X, offer


def _reference(X, offer, eta):
    """Utilities (consumers x goods, utils), who considers what, and the logit shares."""
    x = X[0]
    u = np.outer(x[TASTE], offer.quality_term) - np.outer(
        x[PFAC], offer.price_weight * offer.price)
    e = np.ones_like(u)
    for j in range(u.shape[1]):
        k, ko, z = offer.culture[j], offer.origin_culture[j], offer.creator[j]
        if k >= 0:
            u[:, j] += offer.meaning_term[j] * x[CULTURE_ROWS + k]
            e[:, j] = x[CULTURE_ROWS + N_CUL + k]
            if z >= 0:
                e[:, j] = np.maximum(e[:, j], x[CULTURE_ROWS + 2 * N_CUL + z])
        if ko >= 0:
            u[:, j] += eta * x[CULTURE_ROWS + ko]
    v0 = offer.outside_utility[0]
    top = np.maximum(v0, np.where(e > 0, u, -np.inf).max(axis=1))
    w = e * np.exp(u - top[:, None])
    shares = w / (np.exp(v0 - top) + w.sum(axis=1))[:, None]
    return u, e, shares


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), goods=st.integers(1, 12),
       eta=st.floats(-2.0, 2.0), spread=st.sampled_from([1.0, 10.0, 100.0]))
def test_ceiling_bounds_every_utility_and_shares_are_logit(seed, goods, eta, spread):
    X, offer = _market(np.random.default_rng(seed), goods, spread)
    V, _, total, bound = _weights(X, pack(offer, eta), offer.outside_utility[0], N_CUL)
    u, _, shares = _reference(X, offer, eta)
    assert np.all(bound >= u.max(axis=1) * LOG2E - 1e-9 * (1.0 + np.abs(bound)))
    assert np.all(bound >= offer.outside_utility[0] * LOG2E)
    assert np.all(np.isfinite(V)) and np.all(total >= SMALLEST_TOTAL)
    # 2^x is floored at 2^EXP2_FLOOR, and a total is at least 2^-256 (else the fallback):
    # shares below 2^(EXP2_FLOOR + 256) are not resolved
    np.testing.assert_allclose(V.T / total[:, None], shares, rtol=1e-9,
                               atol=2.0 ** (EXP2_FLOOR + 256))


def test_a_ceiling_far_above_the_utilities_falls_back_to_their_maximum():
    """Goods of quality and price both near 0 or both near 2000: the ceiling (top
    quality, bottom price) lies about 1400 utils above every utility, where the
    exponentials underflow; the block is weighed from the exact maximum instead."""
    rng = np.random.default_rng(7)
    X, offer = _market(rng, 6, 1.0)
    X[0, TASTE], X[0, PFAC] = 1.0, 1.4
    offer.culture[:], offer.origin_culture[:] = -1, -1
    offer.quality_term[:] = [0.1, 2000.0, 0.3, 1999.0, 0.2, 1998.5]
    offer.price[:] = offer.quality_term / offer.price_weight
    V, top, total, bound = _weights(X, pack(offer, 0.0), offer.outside_utility[0], N_CUL)
    u, _, shares = _reference(X, offer, 0.0)
    assert np.all(bound - u.max(axis=1) * LOG2E > 1000.0)  # the ceiling alone is too loose
    assert np.all(total >= 1.0)  # weighed from the maximum: its good weighs 1
    np.testing.assert_allclose(top, np.maximum(u.max(axis=1), offer.outside_utility[0])
                               * LOG2E, rtol=1e-14)
    np.testing.assert_allclose(V.T / total[:, None], shares, rtol=1e-9, atol=1e-300)
