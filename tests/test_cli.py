"""The command line: exit codes, one-line errors, no half-written output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import premia.cli.runs  # noqa: F401  (registers run, validate, scenarios)
from premia.catalog import shipped
from premia.cli.common import app
from premia.results import TABLES, Results

runner = CliRunner()
PREMIA = Path(sys.executable).with_name("premia")


def assert_bad_input(result, *names: str) -> None:
    """Exit 2, one stderr line without a traceback, naming each of ``names``."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for name in names:
        assert name in lines[0], (name, lines[0])


def test_validate_accepts_minimal():
    result = runner.invoke(app, ["validate", "minimal"])
    assert result.exit_code == 0
    assert "valid" in result.stdout and "3 categories" in result.stdout


def test_run_writes_a_complete_run_directory(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "minimal", "--set", "scenario.periods=3",
                                 "--set", "scenario.consumers=200", "--seed", "4",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLES] + ["run.json"])
    res = Results.load(out)
    assert res.meta["seed"] == 4 and res.categories.period.max() == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temp leftovers"


@pytest.mark.parametrize("args,names", [
    (["validate", "minimal", "--set", "scenario.bogus=1"], ["scenario.bogus", "unknown key"]),
    (["validate", "minimal", "--set", "firms.0.category=tablets"], ["firms.0.category"]),
    (["validate", "minimal", "--set", "scenario.periods"], ["--set", "PATH=VALUE"]),
    (["validate", "no/such/file.toml"], ["no/such/file.toml"]),
    (["run", "minimal", "--set", "category.goods.defect_rate=2"], ["category.goods.defect_rate"]),
])
def test_bad_input_is_one_line_and_exit_2(args, names):
    assert_bad_input(runner.invoke(app, args), *names)


def test_bad_run_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "minimal", "--set", "scenario.periods=0",
                                 "--out", str(out)])
    assert_bad_input(result, "scenario.periods")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_real_process_exit_code_and_stderr(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((DATA / "static_nash.toml").read_text().replace(
        'id = "widgets"', 'id = "widgets"\nprice_wieght = 1.0'))
    proc = subprocess.run([str(PREMIA), "run", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "category.widgets.price_wieght" in proc.stderr and str(bad) in proc.stderr
    assert not (tmp_path / "o").exists()


# Random invalid inputs: (override path, bad value, text the message must contain)
OUT_OF_RANGE = [
    ("scenario.periods", st.integers(2401, 10**6)),
    ("scenario.periods", st.integers(-10**6, 0)),
    ("scenario.consumers", st.integers(-100, 9)),
    ("consumers.income_mean", st.floats(-1e6, 0.0)),
    ("consumers.rewiring", st.floats(1.0001, 100.0)),
    ("consumers.network_degree", st.integers(201, 10**5)),
    ("region.coast.owner_share", st.floats(1.0001, 10.0)),
    ("region.guizhou.wage", st.floats(-1e6, -0.01)),
    ("culture.miao.decay", st.floats(1.0001, 50.0)),
    ("culture.miao.affinity_home", st.floats(-5.0, -0.0001)),
    ("category.goods.purchase_rate", st.floats(-1.0, 0.0)),
    ("category.phones.patent_length", st.integers(-50, -1)),
    ("category.embroidery.defect_rate", st.floats(0.9001, 10.0)),
    ("category.embroidery.machine_productivity", st.floats(-5.0, 0.999)),
    ("firms.1.rd_intensity", st.floats(1.0001, 5.0)),
    ("firms.2.capacity", st.floats(-1e6, 0.0)),
    ("event.0.share", st.floats(1.0001, 3.0)),
]
ident = st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True)
DANGLING = ["firms.0.category", "firms.2.region", "culture.miao.home",
            "category.embroidery.culture", "event.0.category"]
SECTIONS = ["scenario", "consumers", "region.coast", "culture.miao", "category.phones",
            "firms.0", "event.0"]


@st.composite
def bad_override(draw):
    kind = draw(st.sampled_from(["range", "dangling", "unknown"]))
    if kind == "range":
        path, values = draw(st.sampled_from(OUT_OF_RANGE))
        return path, repr(draw(values)), path
    if kind == "dangling":
        path = draw(st.sampled_from(DANGLING))
        name = "zz" + draw(ident)
        return path, f'"{name}"', name
    section = draw(st.sampled_from(SECTIONS))
    key = "x_" + draw(ident)
    return f"{section}.{key}", "1", key


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(bad=bad_override(), command=st.sampled_from(["validate", "run"]))
def test_random_invalid_input_gives_one_line_and_no_output(tmp_path_factory, bad, command):
    path, value, named = bad
    out = tmp_path_factory.mktemp("cli") / "out"
    args = [command, "minimal", "--set", f"{path}={value}"]
    if command == "run":
        args += ["--out", str(out)]
    assert_bad_input(runner.invoke(app, args), named)
    assert not out.exists()


def test_too_few_firm_slots_is_caught_by_validate(tmp_path):
    """max_firms below the declared firms is bad input, found before running."""
    for command in (["validate", "minimal"], ["run", "minimal", "--out", str(tmp_path / "o")]):
        result = runner.invoke(app, [*command, "--set", "scenario.max_firms=10"])
        assert_bad_input(result, "scenario.max_firms", "35")
    assert not (tmp_path / "o").exists()


def test_negative_seed_is_bad_input(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", "minimal", "--seed", "-1", "--set", "scenario.periods=2",
                                 "--out", str(out)])
    assert_bad_input(result, "--seed")
    assert not out.exists()


@pytest.mark.parametrize("args,names", [
    (["run", "minimal", "--seed", "abc"], ["premia run", "--seed", "integer"]),
    (["run", "minimal", "--bogus"], ["premia run", "--bogus"]),
    (["run"], ["premia run", "file"]),
    (["frobnicate"], ["frobnicate"]),
])
def test_usage_errors_are_one_line_and_exit_2(args, names):
    """Bad options and commands are bad input too: one line on stderr, exit code 2."""
    proc = subprocess.run([str(PREMIA), *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])


def test_help_still_works():
    proc = subprocess.run([str(PREMIA), "run", "--help"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and "--seed" in proc.stdout
    bare = subprocess.run([str(PREMIA)], capture_output=True, text=True, timeout=300)
    assert "Usage" in bare.stdout + bare.stderr and "run" in bare.stdout + bare.stderr


def test_scenarios_lists_the_shipped_ones():
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    for name in shipped():
        assert name in result.stdout
