"""Workshops choosing machines under a mechanization programme (DESIGN §1.9)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small

import premia
from premia.model.demand import choice_probabilities, pack
from premia.model.engine import Economy
from premia.model.mechanization import _counterfactual


def test_counterfactual_shares_match_a_market_with_the_good_changed():
    """One pass gives what recomputing the whole market with one good changed gives."""
    eco = Economy(small("guizhou", periods=3, consumers=700, drop_events=True), 2)
    eco.step()
    offer = eco.offer()
    c = eco.state.consumers
    lo, hi = int(offer.offsets[0]), int(offer.offsets[1])
    cand = np.array([0, 3, 7], np.int64)
    dq, dm, dp = np.array([0.3, -0.2, 0.0]), np.array([-0.5, 0.1, 0.4]), np.array(
        [-100.0, 50.0, 0.0])
    s, lam, gam = _counterfactual(c.quality_taste, c.price_factor, c.affinity, c.awareness,
                                  c.follows, lo, hi, pack(offer, eco.eta),
                                  float(offer.outside_utility[0]), cand, dq, dm, dp)
    gamma = offer.price_weight[lo] * c.price_factor
    for r, j in enumerate(cand):
        changed = eco.offer()
        changed.quality_term[lo + j] += dq[r]
        changed.meaning_term[lo + j] += dm[r]
        changed.price[lo + j] += dp[r]
        probs = choice_probabilities(changed, c, eco.eta, 0)[:, 1 + j]
        assert s[r] == pytest.approx(probs.sum(), rel=1e-9)
        assert lam[r] == pytest.approx((gamma * probs).sum(), rel=1e-9)
        assert gam[r] == pytest.approx((gamma * probs**2).sum(), rel=1e-9)


def _programme(share: float, capital: float, seed: int = 1):
    sc = small("guizhou", periods=14, consumers=600, drop_events=True,
               overrides={"category.embroidery.machine_capital": capital,
                          "category.embroidery.entry_rate": 0.0},
               events=[{"at": 4, "kind": "subsidy", "category": "embroidery", "share": share,
                        "target": "machines", "account": "guizhou"}])
    return premia.simulate(sc, seed=seed)


def test_no_programme_no_machines_and_machines_too_dear_stay_unbought():
    plain = premia.simulate(small("guizhou", periods=10, consumers=600, drop_events=True),
                            seed=1)
    home = plain.firms[plain.firms.region == "guizhou"]  # outside imitators come with machines
    assert len(home) and (home.modern_share == 0.0).all()
    dear = _programme(0.0, 1.0e9)
    assert (dear.firms.modern_share == 0.0).all()
    assert "machine_subsidy" not in set(dear.public.instrument)


def test_workshops_buy_machines_only_after_the_programme_starts_and_the_public_pays_its_share():
    res = _programme(0.6, 300.0)
    f = res.firms
    assert (f[f.period < 4].modern_share == 0.0).all()
    bought = f[(f.period >= 4) & (f.modern_share == 1.0)]
    assert len(bought) > 0
    first = bought.sort_values("period").groupby("firm").head(1)
    sc = small("guizhou")
    g = sc.category[0].machine_productivity
    paid = res.public[res.public.instrument == "machine_subsidy"]
    assert set(paid.account) == {"guizhou"}
    hand = first.capacity / g  # capacity after mechanization is K_hand x g
    bill = 300.0 * hand * g
    np.testing.assert_allclose(paid.spending.sum(), 0.6 * bill.sum(), rtol=1e-9)
    assert first.investment.sum() >= 0.4 * bill.sum() * (1 - 1e-12)


def test_a_larger_subsidy_never_leaves_fewer_machines():
    shares = [_programme(s, 3000.0).firms.query("period == 13").modern_share.mean()
              for s in (0.0, 0.5, 0.95)]
    assert shares[0] <= shares[1] <= shares[2]
    assert shares[2] > shares[0], "the subsidy must matter somewhere in this range"
