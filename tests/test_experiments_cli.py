"""The experiment commands: output, and bad input as one line with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import MINIMAL
from typer.testing import CliRunner

import premia.cli.experiments  # noqa: F401  (registers the commands)
from premia.cli.common import app

SMALL = ["--set", "scenario.periods=6", "--set", "scenario.consumers=200"]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store"
    res = invoke("sweep", MINIMAL, "--store", path, "--values", "scenario.max_firms=400,1",
                 "--seeds", "2", "--executor", "serial", *SMALL)
    assert res.exit_code == 0, res.output
    assert "2 done, 2 failed" in res.stdout
    return path


def one_line_error(res, *words: str) -> None:
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output
    for w in words:
        assert w in lines[0], lines[0]


def test_runs_lists_the_catalog(store):
    res = invoke("runs", store)
    assert res.exit_code == 0
    assert "2 done, 2 failed" in res.stdout and "max_firms=1 is below" in res.stdout


def test_query_prints_and_writes_csv_and_parquet(store, tmp_path):
    sql = ("SELECT run_id, count(*) AS n FROM categories GROUP BY run_id ORDER BY run_id")
    res = invoke("query", store, sql, "--csv", tmp_path / "out.csv",
                 "--parquet", tmp_path / "out.parquet")
    assert res.exit_code == 0, res.output
    csv = pd.read_csv(tmp_path / "out.csv")
    assert csv.columns.tolist() == ["run_id", "n"] and csv.n.tolist() == [18, 18]
    assert pd.read_parquet(tmp_path / "out.parquet").n.tolist() == [18, 18]
    shown = invoke("query", store, "SELECT count(*) AS runs FROM runs")
    assert shown.exit_code == 0 and "4" in shown.stdout


def test_bad_sql_is_one_line_and_writes_nothing(store, tmp_path):
    res = invoke("query", store, "SELEC * FROM runs", "--csv", tmp_path / "x.csv")
    one_line_error(res, "query failed")
    assert not list(tmp_path.iterdir())
    one_line_error(invoke("query", tmp_path / "none", "SELECT 1"), "not a premia store")


@pytest.mark.parametrize("grid, words", [
    ("category.phones.patent_length=6:18", ["--grid", "PATH=LO:HI:N"]),
    ("category.phones.patent_length=6:18:x", ["whole number"]),
    ("category.cars.patent_length=6:18:3", ["no category 'cars'"]),
])
def test_bad_grid_is_one_line_and_creates_no_store(tmp_path, grid, words):
    res = invoke("sweep", MINIMAL, "--store", tmp_path / "s", "--grid", grid, *SMALL)
    one_line_error(res, *words)
    assert not (tmp_path / "s").exists()


def test_other_bad_sweep_input(tmp_path):
    one_line_error(invoke("sweep", MINIMAL, "--store", tmp_path / "s", "--executor", "mpi"),
                   "--executor")
    one_line_error(invoke("sweep", MINIMAL, "--store", tmp_path / "s", "--sample", "sobol"),
                   "--range")
    one_line_error(invoke("sweep", MINIMAL, "--store", tmp_path / "s", "--range",
                          "culture.miao.decay=0:1"), "--sample")
    assert not (tmp_path / "s").exists()


def test_unknown_metric_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "sens"
    one_line_error(invoke("sensitivity", MINIMAL, "--metric", "nope:goods", "--range",
                          "culture.miao.decay=0:0.01", "--out", out), "unknown metric")
    one_line_error(invoke("sensitivity", MINIMAL, "--metric", "markup:cars", "--range",
                          "culture.miao.decay=0:0.01", "--out", out), "no category 'cars'")
    one_line_error(invoke("sensitivity", MINIMAL, "--metric", "markup:goods", "--out", out),
                   "--range")
    assert not out.exists()


def test_sensitivity_command_writes_its_outputs(tmp_path):
    out = tmp_path / "sens"
    res = invoke("sensitivity", MINIMAL, "--metric", "markup:embroidery", "--method", "morris",
                 "--n", "2", "--range", "category.embroidery.hand_materials=200:400",
                 "--executor", "serial", "--out", out, *SMALL)
    assert res.exit_code == 0, res.output
    assert "mu_star" in res.stdout
    assert (out / "indices.csv").exists() and (out / "sensitivity.html").exists()


def test_phase_bad_input(tmp_path):
    one_line_error(invoke("phase", "C99", "--x", "a.b.c=0:1:2", "--y", "d.e.f=0:1:2"),
                   "unknown claim")
    one_line_error(invoke("phase", "C4", "--x", "category.nope.hand_materials=0:1:2", "--y",
                          "culture.miao.decay=0:1:2", "--out", tmp_path / "p"), "nope")
    one_line_error(invoke("phase", "C4", "--x", "a=0:1", "--y", "b=0:1:2"), "--x")
    assert not (tmp_path / "p").exists()


def test_metrics_lists_names_and_the_real_script_exits_2_without_a_traceback(tmp_path):
    res = invoke("metrics")
    assert res.exit_code == 0 and "poverty:<region>" in res.stdout
    proc = subprocess.run(
        [sys.executable, "-c", "from premia.cli import main; main()", "query",
         str(tmp_path), "SELECT 1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
