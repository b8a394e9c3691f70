"""Culture, awareness, following and the social network (DESIGN §1.7)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import premia
from premia.model.demand import choice_probabilities
from premia.model.engine import Economy
from premia.model.network import neighbour_mean, small_world

BASS_P, BASS_Q = 0.01, 0.3


def bass_discrete(p: float, q: float, periods: int) -> np.ndarray:
    """F_{t+1} = F_t + (1 - F_t)(1 - exp(-(p + q F_t))), F_0 = 0; returns F_1..F_periods."""
    f, out = 0.0, []
    for _ in range(periods):
        f = f + (1.0 - f) * (1.0 - np.exp(-(p + q * f)))
        out.append(f)
    return np.array(out)


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass's closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    decay = np.exp(-(p + q) * t)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def _following(seed: int, periods: int = 40, consumers: int = 2000) -> np.ndarray:
    over = {"consumers.network": "mixed", "creator.weaver.bass_p": BASS_P,
            "creator.weaver.bass_q": BASS_Q}
    sc = small("content", periods=periods, consumers=consumers, overrides=over)
    cr = premia.simulate(sc, seed=seed).creators
    return cr.followers.to_numpy() / sc.scenario.population


def test_following_tracks_the_bass_recursion_step_by_step():
    """Given the realised F_t, F_{t+1} has the recursion's mean (binomial z-score bound)."""
    n = 2000
    f = np.concatenate([[0.0], _following(7, consumers=n)])
    hazard = 1.0 - np.exp(-(BASS_P + BASS_Q * f[:-1]))
    mean = f[:-1] + (1.0 - f[:-1]) * hazard
    sd = np.sqrt((1.0 - f[:-1]) * hazard * (1.0 - hazard) / n)
    z = (f[1:] - mean) / np.where(sd > 0, sd, 1.0)
    assert np.max(np.abs(z)) < 5.0
    assert np.all(np.diff(f) >= 0), "nobody unfollows"


def test_following_tracks_the_bass_curve_and_reports_the_continuous_gap():
    """The mean over seeds of F_t is the discrete Bass curve (z-score against seed spread)."""
    periods, seeds = 40, 8
    runs = np.array([_following(s, periods) for s in range(seeds)])
    mean, spread = runs.mean(axis=0), runs.std(axis=0, ddof=1) / np.sqrt(seeds)
    discrete = bass_discrete(BASS_P, BASS_Q, periods)
    gap = np.max(np.abs(mean - discrete))
    z = np.abs(mean - discrete) / np.maximum(spread, 1e-4)
    assert np.max(z) < 4.0, f"max z = {np.max(z):.2f}"
    assert gap < 0.03, f"max |F - F_discrete| = {gap:.4f}"
    assert mean[-1] > 0.9 and mean[4] < 0.15
    t = np.arange(1, periods + 1, dtype=float)
    continuous = bass_continuous(BASS_P, BASS_Q, t)
    distance = np.max(np.abs(discrete - continuous))
    print(f"\nBass: max |simulated mean - discrete| = {gap:.4f}; "
          f"max |discrete - continuous closed form| = {distance:.4f}")
    # the recursion's hazard 1 - exp(-(p + qF)) is below p + qF: it lags the closed form
    assert np.all(discrete <= continuous + 1e-12)


def _decay_economy(**over):
    return Economy(small("culture_decay", periods=24, consumers=1000, overrides=over), 5)


def test_without_media_creators_or_purchases_affinity_decays_at_the_forgetting_rate():
    eco = _decay_economy()
    d, eps = 0.03, 0.02
    a0 = eco.state.consumers.affinity[:, 0].copy()
    e0 = eco.state.consumers.awareness[:, 0].copy()
    eco.run()
    cul = eco.recorder.tables()["cultures"].to_pandas()
    t = np.arange(1, 25)
    np.testing.assert_allclose(cul.mean_affinity, a0.mean() * (1 - d) ** t, rtol=1e-12)
    np.testing.assert_allclose(cul.aware_share, e0.mean() * (1 - eps) ** t, rtol=1e-12)
    assert cul.mean_affinity.iloc[-1] < 0.6 * cul.mean_affinity.iloc[0]


def test_accepting_share_falls_as_forgetting_predicts():
    """With no social pull each a_i decays as a_i0 (1 - d)^t: acceptance is predictable."""
    eco = _decay_economy(**{"culture.miao.social": 0.0})
    a0 = eco.state.consumers.affinity[:, 0].copy()
    eco.run()
    cul = eco.recorder.tables()["cultures"].to_pandas()
    t = np.arange(1, 25)
    predicted = [(a0 * (1 - 0.03) ** k >= 0.5).mean() for k in t]
    np.testing.assert_allclose(cul.accepting_share, predicted, atol=1.5 / a0.size)
    assert cul.accepting_share.iloc[-1] < cul.accepting_share.iloc[0]


def test_media_raises_affinity_and_acceptance():
    sc = small("culture_decay", periods=24, consumers=1000, events=[
        {"at": 0, "kind": "media", "culture": "miao", "budget": 1.0e6}])
    cul = premia.simulate(sc, seed=5).cultures
    assert np.all(np.diff(cul.mean_affinity) > 0)
    assert cul.accepting_share.iloc[-1] > cul.accepting_share.iloc[0] + 0.2
    assert np.all(np.diff(cul.aware_share) > 0)


unit = st.floats(0.0, 1.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(learning=unit, social=unit, habit=unit, decay=unit, bass_p=unit, bass_q=unit,
       forget=unit, quality=st.floats(0.0, 100.0), budget=st.floats(0.0, 1e9),
       network=st.sampled_from(["mixed", "small_world"]))
def test_affinity_and_awareness_stay_in_unit_interval(learning, social, habit, decay, bass_p,
                                                      bass_q, forget, quality, budget, network):
    over = {"culture.miao.learning": learning, "culture.miao.social": social,
            "culture.miao.habit": habit, "culture.miao.decay": decay,
            "culture.miao.bass_p": bass_p, "culture.miao.bass_q": bass_q,
            "culture.miao.awareness_decay": forget, "creator.weaver.quality": quality,
            "consumers.network": network}
    sc = small("content", periods=5, consumers=200, overrides=over, events=[
        {"at": 1, "kind": "media", "culture": "miao", "budget": budget}])
    eco = Economy(sc, 1)
    for _ in range(5):
        eco.step()
        c = eco.state.consumers
        for arr in (c.affinity, c.awareness):
            assert np.all(np.isfinite(arr)) and arr.min() >= 0.0 and arr.max() <= 1.0


def test_better_creator_grows_a_larger_group_and_sells_more():
    def run(quality):
        sc = small("content", periods=24, consumers=1000,
                   overrides={"creator.weaver.quality": quality})
        return premia.simulate(sc, seed=9)

    good, poor = run(2.0), run(0.2)
    assert good.creators.followers.equals(poor.creators.followers), "same followers"
    g, p = good.cultures, poor.cultures
    assert g.accepting_share.iloc[-1] > p.accepting_share.iloc[-1] + 0.02
    assert g.mean_affinity.iloc[-1] > p.mean_affinity.iloc[-1]
    assert good.creators.coop_sales.sum() > poor.creators.coop_sales.sum()


def test_small_world_is_symmetric_row_stochastic_with_target_degree():
    n, degree = 3000, 12
    W = small_world(n, degree, 0.1, np.random.default_rng(3))
    A = (W > 0).astype(int)
    assert (A != A.T).nnz == 0
    np.testing.assert_allclose(np.asarray(W.sum(axis=1)).ravel(), 1.0, rtol=1e-12)
    assert A.diagonal().sum() == 0
    mean_degree = A.sum() / n
    assert mean_degree == pytest.approx(degree, rel=0.02)
    # rewiring makes it small: far links exist
    rows, cols = A.nonzero()
    ring = np.minimum(np.abs(rows - cols), n - np.abs(rows - cols))
    assert 0.05 < np.mean(ring > degree) < 0.15
    x = np.random.default_rng(0).random((n, 2))
    np.testing.assert_allclose(neighbour_mean(W, x)[5], x[A[5].indices].mean(axis=0))


def test_following_with_a_market_potential_saturates_at_the_audience():
    """Bass with potential m: E[F_{t+1} | F_t] = F_t + (m - F_t)(1 - exp(-(p + q F_t)))."""
    n, periods = 2000, 40
    over = {"consumers.network": "mixed", "creator.weaver.bass_p": BASS_P,
            "creator.weaver.bass_q": BASS_Q, "creator.weaver.audience": 0.6}
    eco = Economy(small("content", periods=periods, consumers=n, overrides=over), 7)
    m = eco.culture.audience[:, 0].mean()
    assert m == pytest.approx(0.6, abs=0.05)
    f = [0.0]
    for _ in range(periods):
        eco.step()
        f.append(eco.state.consumers.follows[:, 0].mean())
    f = np.array(f)
    hazard = 1.0 - np.exp(-(BASS_P + BASS_Q * f[:-1]))
    mean = f[:-1] + (m - f[:-1]) * hazard
    sd = np.sqrt(np.maximum(m - f[:-1], 0) * hazard * (1.0 - hazard) / n)
    z = (f[1:] - mean) / np.maximum(sd, 1e-9)
    assert np.max(np.abs(z)) < 5.0
    assert f[-1] <= m + 1e-12 and f[-1] > m - 0.02
    followers = eco.state.consumers.follows[:, 0].astype(bool)
    assert np.all(eco.culture.audience[followers, 0]), "only the audience follows"


def test_cooperative_goods_carry_the_uplift_and_followers_consider_them():
    over = {"creator.weaver.uplift": 0.7, "culture.miao.awareness_elsewhere": 0.0,
            "culture.miao.awareness_home": 0.0, "culture.miao.bass_q": 0.0}
    sc = small("content", periods=6, consumers=400, overrides=over,
               events=[{"at": 3, "kind": "creator", "creator": "weaver"}])
    eco = Economy(sc, 2)
    eco.run()
    firms = eco.recorder.tables()["firms"].to_pandas()
    craft = firms[firms.category == "embroidery"]
    coop, other = craft[craft.cooperative == 0], craft[craft.cooperative < 0]
    np.testing.assert_allclose(coop[coop.period < 3].meaning, 1.0)
    np.testing.assert_allclose(coop[coop.period >= 3].meaning, 1.7)
    np.testing.assert_allclose(other.meaning, 1.0)
    # nobody is aware of the culture: only followers buy, and only the cooperative's goods
    offer, c = eco.offer(), eco.state.consumers
    probs = choice_probabilities(offer, c, eco.eta, 1)[:, 1:]
    in_coop = eco.state.firms.coop[offer.slots[offer.offsets[1]:offer.offsets[2]]] == 0
    followers = c.follows[:, 0] == 1
    assert followers.sum() > 0
    assert np.all(probs[:, ~in_coop] == 0.0)
    assert np.all(probs[~followers][:, in_coop] == 0.0)
    assert np.all(probs[followers][:, in_coop] > 0.0)
