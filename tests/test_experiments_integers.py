"""Sampled points on integer fields are rounded, so such a design runs."""

from __future__ import annotations

from premia.experiments.sweep import plan
from premia.loading import integer_paths, read_toml

MINIMAL = "scenarios/minimal.toml"


def test_integer_paths_come_from_the_schema():
    raw = read_toml(MINIMAL)
    paths = ["scenario.periods", "category.phones.patent_length", "firms.0.count",
             "event.0.at", "event.0.share", "category.phones.price_weight", "culture.miao.decay"]
    assert integer_paths(raw, paths) == {"scenario.periods", "category.phones.patent_length",
                                         "firms.0.count", "event.0.at"}


def test_sampled_integer_fields_are_rounded(tmp_path):
    p = plan(MINIMAL, tmp_path / "store", sample_method="sobol", n=8,
             ranges={"category.phones.patent_length": (6.0, 48.0),
                     "category.phones.price_weight": (0.001, 0.004)},
             overrides={"scenario.periods": 4})
    lengths = [pt["category.phones.patent_length"] for pt in p.points]
    weights = [pt["category.phones.price_weight"] for pt in p.points]
    assert all(isinstance(v, int) and 6 <= v <= 48 for v in lengths)
    assert len(set(lengths)) > 1
    assert any(w != round(w) for w in weights)  # continuous fields are left alone
