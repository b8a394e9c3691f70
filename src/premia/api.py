"""The public entry points: load a scenario (a file or a shipped name) and simulate it."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from premia import loading
from premia.catalog import resolve
from premia.loading import scenario_hash
from premia.model.engine import Economy
from premia.results import Results
from premia.scenario import Scenario


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on."""
    out = {"python": platform.python_version()}
    for pkg in ("premia", "numpy", "numba", "scipy", "pyarrow", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, override and validate a scenario file or a shipped scenario by name.

    Args:
        path: a TOML file, or the name of a shipped scenario (``premia scenarios`` lists
            them) when no file of that name exists.
        overrides: optional ``{path: value}``, e.g. ``{"scenario.periods": 60}``.

    Returns:
        The validated :class:`~premia.scenario.Scenario`.

    Raises:
        ScenarioError: with one line naming the file, the field and what is allowed.

    Example:
        >>> import premia
        >>> premia.load_scenario("minimal", {"scenario.periods": 12}).scenario.periods
        12
    """
    return loading.load_scenario(resolve(path), overrides)


def simulate(scenario: Scenario, seed: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> Results:
    """Run a scenario and return its results.

    Args:
        scenario: a validated scenario (see :func:`premia.load_scenario`).
        seed: the run's seed; defaults to ``scenario.scenario.seed``.
        progress: optional ``progress(done, total)`` called after each period.

    Returns:
        The run's :class:`~premia.results.Results`.

    Example:
        >>> import premia
        >>> sc = premia.load_scenario("scenarios/minimal.toml", {"scenario.periods": 3})
        >>> premia.simulate(sc, seed=7).categories.shape[0]
        9
    """
    seed = scenario.scenario.seed if seed is None else int(seed)
    start = time.perf_counter()
    economy = Economy(scenario, seed)
    economy.run(progress)
    meta = {
        "scenario": scenario.model_dump(mode="json"),
        "scenario_hash": scenario_hash(scenario),
        "seed": seed,
        "versions": versions(),
        "wall_time_s": time.perf_counter() - start,
    }
    tables = economy.recorder.tables()
    tables["public"] = economy.budget.table()
    return Results(tables=tables, meta=meta)
