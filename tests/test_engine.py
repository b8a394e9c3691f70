"""The engine as a whole: finite, in-range tables; determinism across threads; costs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_sane, small

import premia
from premia.model import costs
from premia.model.engine import Economy
from premia.results import Results


@pytest.mark.parametrize("name,overrides", [
    ("minimal", {}),
    ("minimal", {"scenario.demand": "sampled", "event.0.at": 4}),
    ("content", {}),
    ("content", {"scenario.pricing": "nash", "consumers.network": "mixed"}),
])
def test_tables_are_finite_and_in_range(name, overrides):
    res = premia.simulate(small(name, periods=10, consumers=400, overrides=overrides), seed=2)
    assert_sane(res)
    assert res.categories.period.nunique() == 10


def test_same_seed_same_tables_other_seed_other_tables():
    sc = small("content", periods=6, overrides={"scenario.demand": "sampled"})
    a, b, c = (premia.simulate(sc, seed=s) for s in (3, 3, 4))
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name
    assert not a.tables["firms"].equals(c.tables["firms"])


RUNNER = """
import sys
sys.path.insert(0, {tests!r})
from conftest import small
import premia
import numba
from premia.model.demand import PARALLEL_MIN, use_threads
threads = int(sys.argv[1])
assert numba.config.NUMBA_NUM_THREADS == threads
n = PARALLEL_MIN + 300  # large enough for the threaded kernels when threads > 1
assert use_threads(n) == (threads > 1)
for i, over in enumerate([
    {{"scenario.demand": "sampled", "category.goods.purchase_rate": 1.0,
      "category.embroidery.purchase_rate": 1.0}},  # all shop: the threaded kernel runs
    {{"scenario.demand": "expected", "scenario.pricing": "nash"}},
]):
    res = premia.simulate(small("content", periods=4, consumers=n, overrides=over), seed=11)
    res.save(sys.argv[2] + f"/run{{i}}")
"""


def _run_with_threads(threads: int, out: Path) -> None:
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
    script = RUNNER.format(tests=str(Path(__file__).parent))
    subprocess.run([sys.executable, "-c", script, str(threads), str(out)], env=env,
                   check=True, timeout=600)


def test_identical_tables_with_one_and_two_threads(tmp_path):
    """Serial (1 thread) and threaded (2 threads) kernels give bit-identical tables.

    Sampled and expected demand, the small-world network and a creator on, nash too.
    """
    _run_with_threads(1, tmp_path / "one")
    _run_with_threads(2, tmp_path / "two")
    for i in range(2):
        one = Results.load(tmp_path / "one" / f"run{i}")
        two = Results.load(tmp_path / "two" / f"run{i}")
        for name in one.tables:
            assert one.tables[name].equals(two.tables[name]), f"run{i} {name}"
        assert one.creators.followers.iloc[-1] > 0 and len(one.cultures) == 4


def test_modern_share_lowers_unit_cost_and_authenticity():
    eco = Economy(small(periods=2), 1)
    f, p = eco.state.firms, eco.params
    craft = np.flatnonzero(f.alive & (f.category == 2))
    rows = []
    for m in (0.0, 0.25, 0.5, 1.0):
        f.modern_share[craft] = m
        costs.refresh(f, p, np.zeros(0), eco.state.capital)
        rows.append((f.unit_cost[craft[0]], f.authenticity[craft[0]], f.meaning[craft[0]],
                     f.capacity[craft[0]]))
    unit, auth, meaning, capacity = map(np.array, zip(*rows, strict=True))
    assert np.all(np.diff(unit) < 0) and np.all(np.diff(auth) < 0)
    assert np.all(np.diff(meaning) < 0) and np.all(np.diff(capacity) > 0)
    # the closed forms of DESIGN §1.2 with minimal's embroidery parameters: labour
    # 0.08 (hand) and 0.004 (machine) worker-months at the craft region's wage of 2500,
    # materials 100 and 40, scaled by the firm's own cost factor
    z = f.cost_factor[craft[0]]
    np.testing.assert_allclose(unit, z * np.array([300.0, 237.5, 175.0, 50.0]), rtol=1e-12)
    np.testing.assert_allclose(auth, [1.0, 0.8, 0.6, 0.2])
    np.testing.assert_allclose(capacity, f.hand_capacity[craft[0]]
                               * np.array([1.0, 3.25, 5.5, 10.0]), rtol=1e-12)


def test_markup_column_is_price_over_cost():
    res = premia.simulate(small(periods=4), seed=1)
    firms = res.firms
    np.testing.assert_allclose(firms.markup, firms.price / firms.unit_cost - 1.0, rtol=1e-12)
    cats = res.categories
    last = cats[cats.period == 3].set_index("category")
    rows = firms[firms.period == 3].groupby("category")
    np.testing.assert_allclose(last.revenue, rows.revenue.sum().reindex(last.index), rtol=1e-12)


def test_category_table_aggregates_the_firms_table():
    res = premia.simulate(small(periods=5, overrides={"event.0.at": 2}), seed=3)
    firms = res.firms.assign(cost=lambda d: d.unit_cost * d.sales,
                             pv=lambda d: d.price * d.sales)
    g = firms.groupby(["period", "category"])
    cats = res.categories.set_index(["period", "category"]).loc[g.size().index]
    rev, sales = g.revenue.sum(), g.sales.sum()
    np.testing.assert_allclose(cats.revenue, rev, rtol=1e-12)
    np.testing.assert_allclose(cats.profit, g.profit.sum(), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(cats.net_margin, g.profit.sum() / rev, rtol=1e-9)
    np.testing.assert_allclose(cats.gross_margin, (rev - g.cost.sum()) / rev, rtol=1e-9)
    np.testing.assert_allclose(cats.price_index, g.pv.sum() / sales, rtol=1e-12)
    hhi = firms.assign(s2=firms.sales**2).groupby(["period", "category"]).s2.sum() / sales**2
    np.testing.assert_allclose(cats.hhi, hhi, rtol=1e-9)
    np.testing.assert_array_equal(cats.firms_alive, g.size())
