"""Parameter designs: parsing, factorial and sampled points, seeds independent of position."""

from __future__ import annotations

import pytest
from conftest import MINIMAL

from premia.experiments.design import (
    DesignError,
    cross,
    factorial,
    parse_grid,
    parse_range,
    parse_values,
    sample,
)
from premia.experiments.sweep import derive_seed, plan


def test_grid_is_evenly_spaced_and_integral_when_the_ends_are():
    assert parse_grid("category.phones.patent_length=6:18:3").values == (6, 12, 18)
    assert parse_grid("culture.miao.decay=0:0.02:5").values == (0.0, 0.005, 0.01, 0.015, 0.02)
    assert parse_grid("category.goods.machine_materials=40:50:4").values == pytest.approx(
        (40.0, 43.3333333333, 46.6666666667, 50.0))
    assert parse_grid("x.y.z=3:3:1").values == (3,)


@pytest.mark.parametrize("item", ["a.b=1:2", "a.b=1:2:x", "a.b=2:1:3", "a.b", "=1:2:3",
                                  "a.b=1:nan:3", "a.b=1:2:0"])
def test_bad_grid_items_are_rejected(item):
    with pytest.raises(DesignError, match="--grid"):
        parse_grid(item)


def test_values_and_ranges():
    assert parse_values("scenario.pricing=adaptive,nash").values == ("adaptive", "nash")
    assert parse_values("category.phones.patent_length=6, 12").values == (6, 12)
    assert parse_range("culture.miao.decay=0:0.02") .low == 0.0
    with pytest.raises(DesignError):
        parse_range("culture.miao.decay=0.02:0")
    with pytest.raises(DesignError):
        parse_values("a.b=1,,2")


def test_factorial_crosses_every_value_and_rejects_repeated_parameters():
    pts = factorial([parse_grid("a.b.c=1:3:3"), parse_values("d.e=x,y")])
    assert len(pts) == 6
    assert {(p["a.b.c"], p["d.e"]) for p in pts} == {(a, b) for a in (1, 2, 3) for b in "xy"}
    with pytest.raises(DesignError, match="twice"):
        factorial([parse_grid("a.b.c=1:3:3"), parse_values("a.b.c=1,2")])
    assert cross(pts, []) == pts
    assert len(cross(pts, [{"z": 1}, {"z": 2}])) == 12


@pytest.mark.parametrize("method", ["sobol", "lhs", "random"])
def test_samples_stay_in_the_box_and_are_reproducible(method):
    box = [parse_range("a.b.c=1:2"), parse_range("d.e=-5:5")]
    pts = sample(method, 16, box, seed=3)
    assert len(pts) == 16
    assert all(1 <= p["a.b.c"] <= 2 and -5 <= p["d.e"] <= 5 for p in pts)
    assert pts == sample(method, 16, box, seed=3)
    assert pts != sample(method, 16, box, seed=4)
    with pytest.raises(DesignError):
        sample("grid", 4, box)


def test_a_runs_seed_depends_on_its_parameters_and_replicate_not_its_position(tmp_path):
    small = {"scenario.periods": 6, "scenario.consumers": 200}
    a = plan(MINIMAL, tmp_path, values={"category.phones.patent_length": [6, 12, 18]},
             seeds=2, overrides=small)
    b = plan(MINIMAL, tmp_path, values={"category.phones.patent_length": [18, 30]},
             seeds=3, overrides=small)
    seeds_a = {(t.params["category.phones.patent_length"], t.replicate): (t.seed, t.run_id)
               for t in a.tasks}
    seeds_b = {(t.params["category.phones.patent_length"], t.replicate): (t.seed, t.run_id)
               for t in b.tasks}
    assert seeds_a[(18, 0)] == seeds_b[(18, 0)]
    assert seeds_a[(18, 1)] == seeds_b[(18, 1)]
    assert len({s for s, _ in seeds_a.values()}) == 6
    assert derive_seed(1, {"x": 1}, 0) != derive_seed(1, {"x": 2}, 0)
    assert derive_seed(1, None, 0) == derive_seed(1, None, 0) != derive_seed(1, None, 1)
