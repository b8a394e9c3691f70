"""Shared fixtures: small scenarios, economies and a hook to watch one period's market."""

from __future__ import annotations

import os

# The machine is shared: kernels run single-threaded in tests unless told otherwise
# (thread-count independence is tested explicitly in subprocesses).
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

from premia.catalog import scenario_dir
from premia.loading import apply_overrides, read_toml, validate_raw
from premia.model import accounts
from premia.model.demand import Offer
from premia.model.engine import Economy
from premia.results import Results
from premia.scenario import Scenario

# CI explores the same examples on every run (a failure there is reproducible); local runs
# keep drawing new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

DATA = Path(__file__).parent / "data"
MINIMAL = scenario_dir() / "minimal.toml"


def scenario_path(name: str) -> Path:
    """A test scenario under ``tests/data`` or a shipped one, by name."""
    local = DATA / f"{name}.toml"
    return local if local.exists() else scenario_dir() / f"{name}.toml"


def make_scenario(name: str = "minimal", overrides: Mapping[str, Any] | None = None,
                  events: list[dict[str, Any]] | None = None,
                  drop_events: bool = False) -> Scenario:
    """Load a scenario with overrides, optionally replacing or extending its events."""
    path = scenario_path(name)
    raw = apply_overrides(read_toml(path), overrides or {}, str(path))
    if drop_events:
        raw["event"] = []
    if events:
        raw.setdefault("event", []).extend(events)
    return validate_raw(raw, str(path))


def small(name: str = "minimal", periods: int = 12, consumers: int = 500,
          **kw: Any) -> Scenario:
    """A small, fast version of a scenario."""
    overrides = {"scenario.periods": periods, "scenario.consumers": consumers}
    overrides.update(kw.pop("overrides", {}) or {})
    return make_scenario(name, overrides, **kw)


@dataclass
class Period:
    """What one period's market looked like: the offer and the books right after settling."""

    offer: Offer
    demand: np.ndarray
    capacity: np.ndarray
    revenue: np.ndarray
    price: np.ndarray
    consumers: Any


class Watched(Economy):
    """An economy that keeps, for every period, its offer and the settled accounts."""

    def __init__(self, sc: Scenario, seed: int) -> None:
        super().__init__(sc, seed)
        self.periods: list[Period] = []
        self._current: Offer | None = None

    def offer(self) -> Offer:
        """The goods on offer, remembered for the settle hook."""
        self._current = super().offer()
        return self._current


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch):
    """Build a :class:`Watched` economy; ``accounts.settle`` is wrapped to record books."""
    original = accounts.settle
    economies: list[Watched] = []

    def settle(firms, p):
        original(firms, p)
        for eco in economies:
            if eco.state.firms is firms and eco._current is not None:
                s = eco._current.slots
                eco.periods.append(Period(
                    offer=eco._current, demand=firms.demand[s].copy(),
                    capacity=firms.capacity[s].copy(), revenue=firms.revenue[s].copy(),
                    price=firms.price[s].copy(),
                    consumers=copy.deepcopy(eco.state.consumers)))

    monkeypatch.setattr(accounts, "settle", settle)

    def build(sc: Scenario, seed: int = 1) -> Watched:
        eco = Watched(sc, seed)
        economies.append(eco)
        return eco

    return build


SHARES = {
    "firms": ["authenticity", "utilization", "modern_share", "interpretation_right"],
    "categories": ["utilization", "hhi"],
    "cultures": ["mean_affinity", "accepting_share", "aware_share", "media_reach"],
    "regions": ["poverty_headcount", "gini"],
}


def assert_sane(res: Results) -> None:
    """No NaN or inf anywhere; prices, costs and sales non-negative; shares in [0, 1]."""
    for name, table in res.tables.items():
        df = table.to_pandas()
        numeric = df.select_dtypes(include=[np.number, "bool"])
        values = numeric.to_numpy(dtype=float)
        assert np.all(np.isfinite(values)), f"{name} has NaN or inf in " + ", ".join(
            c for c in numeric if not np.all(np.isfinite(numeric[c].to_numpy(float))))
        for col in SHARES.get(name, []) if len(df) else []:
            assert df[col].between(0.0, 1.0).all(), f"{name}.{col} leaves [0, 1]"
    firms = res.firms
    for col in ("price", "unit_cost", "effective_cost", "demand", "sales", "capacity",
                "revenue", "rd_spend", "wages"):
        assert (firms[col] >= 0).all(), f"firms.{col} < 0"
    assert (firms.price >= firms.unit_cost).all(), "a price below unit production cost"
    assert (firms.sales <= firms.capacity * (1 + 1e-12)).all()
    assert (firms.sales <= firms.demand * (1 + 1e-12)).all()
