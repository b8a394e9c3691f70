"""Memory: estimated from the scenario before allocating, checked against what is free.

The estimate is compared with the peak :mod:`tracemalloc` measures during a run (every
NumPy and SciPy array the model allocates): it must be an upper bound of it and within a
factor 2, for runs dominated by the social network, by the consumers' arrays, by their
culture arrays, by Nash pricing's buffers and by the recorder, with the consumer arrays
stored in float64 and in float32.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
import tracemalloc

import pytest
from conftest import make_scenario
from typer.testing import CliRunner

import premia.api
from premia import memory
from premia.cli import build
from premia.loading import ScenarioError

runner = CliRunner()
app = build()
FACTOR = 2.0


def measured_peak(sc) -> float:
    """Peak traced bytes of a run of ``sc``, after a small run in the same storage (so
    that compiling its kernels is not counted)."""
    premia.api.simulate(make_scenario("minimal", {
        "scenario.periods": 1, "scenario.consumers": 50,
        "consumers.precision": sc.consumers.precision}), seed=1)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        premia.api.simulate(sc, seed=1, check_memory=False)
        return float(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()


def many_cultures(n_cultures: int, consumers: int, **overrides) -> premia.Scenario:
    extra = [{"id": f"k{i}", "home": "coast", "capital": 1.0} for i in range(n_cultures - 1)]
    sc = make_scenario("minimal", {"scenario.periods": 3, "scenario.consumers": consumers,
                                   "consumers.network": "mixed", **overrides})
    raw = sc.model_dump(mode="json")
    raw["culture"] += extra
    return premia.Scenario.model_validate(raw)


def stored_in(sc: premia.Scenario, precision: str) -> premia.Scenario:
    raw = sc.model_dump(mode="json")
    raw["consumers"]["precision"] = precision
    return premia.Scenario.model_validate(raw)


CASES = {
    "network": lambda: make_scenario("minimal", {"scenario.periods": 2,
                                                 "scenario.consumers": 60_000,
                                                 "consumers.network_degree": 40}),
    "cultures": lambda: many_cultures(12, 40_000),
    # the recorder's rows: the declared firms each period, so they must not go bankrupt
    "recorder": lambda: make_scenario("minimal", {"scenario.periods": 500,
                                                  "scenario.consumers": 50,
                                                  "firms.0.count": 150, "firms.0.cash": 1e12,
                                                  "category.goods.bankruptcy_months": 1000}),
    "creators": lambda: make_scenario("village-creator", {"scenario.periods": 3,
                                                          "scenario.consumers": 50_000}),
    "consumers": lambda: make_scenario("minimal", {"scenario.periods": 2,
                                                   "scenario.consumers": 200_000,
                                                   "consumers.network": "mixed"}),
    "nash": lambda: many_cultures(6, 100_000, **{"scenario.pricing": "nash"}),
    "sampled": lambda: many_cultures(3, 100_000, **{"scenario.demand": "sampled"}),
}


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_estimate_is_an_upper_bound_within_a_factor_2_of_the_measured_peak(case, precision):
    sc = stored_in(CASES[case](), precision)
    est = memory.estimate(sc).peak
    peak = measured_peak(sc)
    assert peak <= est <= peak * FACTOR, (case, precision, est / 2**20, peak / 2**20)


def test_float32_storage_is_estimated_smaller_but_not_below_its_peak():
    sc = CASES["cultures"]()
    wide, narrow = memory.estimate(sc), memory.estimate(stored_in(sc, "float32"))
    assert narrow.consumers < wide.consumers and narrow.building == wide.building


def test_the_issues_run_is_refused_in_one_line_before_allocating():
    result = runner.invoke(app, ["run", "minimal", "--set", "scenario.periods=1",
                                 "--set", "scenario.consumers=5000000",
                                 "--set", "consumers.network_degree=200"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "GiB" in lines[0] and "--no-memory-check" in lines[0]
    assert "the social network" in lines[0]
    assert memory.estimate(make_scenario("minimal", {
        "scenario.consumers": 5_000_000, "consumers.network_degree": 200})).peak > 40 * 2**30


def test_ulimit_v_is_the_limit_when_it_is_smaller(monkeypatch):
    soft = 3 << 30
    monkeypatch.setattr(resource, "getrlimit", lambda what: (soft, resource.RLIM_INFINITY)
                        if what == resource.RLIMIT_AS else (resource.RLIM_INFINITY,) * 2)
    have, what = memory.available()
    assert have <= soft and "ulimit -v" in what
    sc = make_scenario("minimal", {"scenario.consumers": 2_000_000,
                                   "consumers.network_degree": 40})
    with pytest.raises(memory.MemoryLimitError, match="ulimit -v") as err:
        memory.check(sc)
    assert isinstance(err.value, ScenarioError) and "\n" not in str(err.value)


def test_api_refuses_and_the_flag_overrides(monkeypatch):
    sc = make_scenario("minimal", {"scenario.periods": 1, "scenario.consumers": 200})
    monkeypatch.setattr(memory, "available", lambda: (1.0, "available on this machine"))
    with pytest.raises(memory.MemoryLimitError, match="available on this machine"):
        premia.api.simulate(sc, seed=1)
    assert premia.api.simulate(sc, seed=1, check_memory=False).categories.shape[0] == 3
    result = runner.invoke(app, ["run", "minimal", "--set", "scenario.periods=1",
                                 "--set", "scenario.consumers=200", "--no-memory-check"])
    assert result.exit_code == 0, result.output


def test_an_allocation_that_fails_anyway_is_one_line(monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("premia.model.culture.small_world", no_memory)
    result = runner.invoke(app, ["run", "minimal", "--set", "scenario.periods=1",
                                 "--set", "scenario.consumers=200"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "out of memory" in lines[0], result.stderr


def test_under_a_real_address_space_cap_the_run_is_refused_not_crashed():
    """In a child capped at 3 GiB (``ulimit -v``), the issue's 3.7 GiB-allocation run is a
    one-line error, exit 2."""
    code = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from premia.cli import main
        sys.argv = ["premia", "run", "minimal", "--set", "scenario.periods=1",
                    "--set", "scenario.consumers=1000000", "--set",
                    "consumers.network_degree=60"]
        main()
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600, env={"NUMBA_NUM_THREADS": "1", "PATH": "/usr/bin"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.count("\n") == 1 and "ulimit -v" in proc.stderr, proc.stderr
