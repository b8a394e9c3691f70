"""Innovation and imitation: a planted technology lead, its premium and its erosion."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small
from hypothesis import given, settings
from hypothesis import strategies as st

import premia
from premia.model.demand import choice_probabilities
from premia.model.engine import Economy
from premia.model.innovation import innovate, off_patent_best


def _shares_markups(eco: Economy) -> tuple[np.ndarray, np.ndarray]:
    f = eco.state.firms
    offer = eco.offer()
    probs = choice_probabilities(offer, eco.state.consumers, eco.eta, 0)[:, 1:]
    return probs.mean(axis=0), f.price[offer.slots] / f.unit_cost[offer.slots] - 1.0


def test_planted_lead_raises_share_and_markup_until_imitated():
    eco = Economy(small("tech_duopoly", periods=20, consumers=300), 1)
    f, mk = eco.state.firms, eco.state.markets
    eco.step()
    share0, markup0 = _shares_markups(eco)
    assert share0[0] == pytest.approx(share0[1], rel=1e-12)
    # firm 0 makes a discovery at the start of period 1
    f.tech[0] += 1.0
    f.tech_born[0] = 1
    mk.discoveries[0].append((float(f.tech[0]), 1))
    lead = float(f.tech[0])
    eco.step()
    share, markup = _shares_markups(eco)
    assert share[0] > share0[0] * 1.2 and share[1] < share0[1]
    assert markup[0] > markup0[0] * 1.1 and markup[0] > markup[1]
    premium = markup[0] - markup[1]
    # while the patent runs (L = 6 months from period 1) firm 1 cannot copy it
    while eco.state.period <= 7:
        assert f.tech[1] == 0.0
        eco.step()
        assert f.rd_spend[1] > 0.0, "the follower spends on imitation"
    assert off_patent_best(mk, 0, 7) == lead
    assert off_patent_best(mk, 0, 6) == 0.0
    # the imitation at the end of period 7 copies the lead; in period 8 it is gone
    assert f.tech[1] == lead
    eco.step()
    share, markup = _shares_markups(eco)
    assert share[0] == pytest.approx(share[1], rel=1e-9)
    assert markup[0] == pytest.approx(markup[1], rel=1e-9)
    assert premium > 0.05


def test_innovation_draws_and_records_discoveries():
    overrides = {"category.phones.innovation_share": 1.0,
                 "category.phones.innovation_productivity": 100.0,
                 "category.phones.innovation_lo": 0.05, "category.phones.innovation_hi": 0.1,
                 "firms.0.count": 3}
    eco = Economy(small("tech_duopoly", overrides=overrides), 1)
    eco.step()
    f, mk = eco.state.firms, eco.state.markets
    f.rd_intensity[2] = 0.0
    f.rd_spend[:3] = np.array([5.0, 5.0, 0.0])
    before = f.tech.copy()
    done = innovate(f, mk, eco.params, 5, np.random.default_rng(0))
    np.testing.assert_array_equal(done[:3], [True, True, False])
    step = f.tech[:2] - before[:2]
    assert np.all((step >= 0.05) & (step <= 0.1))
    assert f.tech[2] == before[2]
    assert [born for _, born in mk.discoveries[0][-2:]] == [5, 5]
    assert np.all(f.tech_born[:2] == 5)


def test_no_rd_means_no_technical_change():
    overrides = {"firms.0.rd_intensity": 0.0, "category.phones.innovation_share": 0.5,
                 "category.phones.innovation_productivity": 100.0}
    eco = Economy(small("tech_duopoly", periods=10, overrides=overrides), 3)
    eco.run()
    f = eco.state.firms
    assert np.all(f.tech[f.alive] == 0.0)
    assert np.all(f.rd_spend == 0.0)


def test_entrant_starts_with_best_off_patent_technology():
    overrides = {"category.phones.entry_rate": 6.0, "category.phones.entry_spread": 100.0,
                 "category.phones.patent_length": 2}
    eco = Economy(small("tech_duopoly", periods=10, overrides=overrides), 3)
    eco.step()
    f, mk = eco.state.firms, eco.state.markets
    f.tech[0] = 2.0
    mk.discoveries[0].append((2.0, 1))
    eco.step()  # period 1: the discovery is still patented, entrants get 0
    newest = f.alive & (f.tech_born == 1)
    assert newest.sum() > 0 and np.all(f.tech[newest] == 0.0)
    eco.step()
    eco.step()  # period 3: 3 - 2 >= 1, the discovery is free
    newest = f.alive & (f.tech_born == 3) & (f.firm_id >= 2)
    assert newest.sum() > 0
    assert np.all(f.tech[newest] == 2.0)


def test_hybrid_goods_innovate_and_keep_their_meaning():
    over = {"category.embroidery.kind": "hybrid", "firms.2.rd_intensity": 0.2,
            "category.embroidery.innovation_share": 1.0,
            "category.embroidery.innovation_productivity": 100.0,
            "category.embroidery.rd_scale": 1.0, "category.embroidery.innovation_lo": 0.01,
            "category.embroidery.innovation_hi": 0.05, "firms.0.rd_intensity": 0.5}
    res = premia.simulate(small(periods=5, drop_events=True, overrides=over), seed=1)
    craft = res.firms[res.firms.category == "embroidery"].groupby("period")
    # R&D is paid from last period's revenue: innovations show from period 2 on
    assert (craft.tech.min().diff().iloc[2:] > 0).all(), "hybrid firms innovate"
    assert (craft.meaning.min() > 0).all(), "and their goods still carry meaning"
    goods = res.firms[res.firms.category == "goods"]
    assert (goods.tech == 0).all() and (goods.rd_spend == 0).all(), "commodities never do R&D"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 10.0), st.integers(0, 3)), max_size=12),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 8)), min_size=1, max_size=10))
def test_off_patent_best_reads_on_and_agrees_with_a_full_scan(steps, queries):
    """The best off-patent technology equals a scan of every discovery, however the
    discoveries arrive between queries and however the patent length changes."""
    eco = Economy(small(), seed=1)
    m = eco.state.markets
    c = 1
    found = m.discoveries[c]
    period = 0
    for (tech, gap), (advance, length) in zip(steps + [(0.0, 0)] * len(queries), queries,
                                              strict=False):
        period += advance
        m.patent_length[c] = length
        free = [t for t, born in found if born <= period - length]
        assert off_patent_best(m, c, period) == (max(free) if free else -np.inf)
        found.append((tech, period + gap))  # born now or later: read once off patent
        found.sort(key=lambda d: d[1])
