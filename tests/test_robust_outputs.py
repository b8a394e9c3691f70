"""Output paths: premia writes only where nothing is or where its own earlier output is.

Anything else (a folder of the user's files, a file, a symbolic link, the current
directory, a path under a file, a folder it may not write) is one line on stderr, exit 2,
and nothing touched.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import MINIMAL
from typer.testing import CliRunner

from premia.cli import build
from premia.experiments.sweep import sweep
from premia.results import OutputError, Results, check_output_file, check_run_dir

runner = CliRunner()
app = build()
SMALL = ["--set", "scenario.periods=3", "--set", "scenario.consumers=100"]


def snapshot(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under ``root`` with its kind and content (links by target)."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif p.is_file():
            out[rel] = ("file", p.read_bytes())
        else:
            out[rel] = ("dir", "")
    return out


def refused(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("earlier") / "run"
    result = runner.invoke(app, ["run", "minimal", *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_out_at_a_folder_of_user_files_deletes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "d"
    d.mkdir()
    (d / "thesis.docx").write_text("x")
    before = snapshot(tmp_path)
    line = refused(runner.invoke(app, ["run", "minimal", *SMALL, "--out", "d"]))
    assert "thesis.docx" in line and "not a premia run" in line
    assert snapshot(tmp_path) == before


def test_out_at_an_earlier_run_with_a_user_file_added_is_refused(tmp_path, earlier_run):
    d = tmp_path / "run"
    d.mkdir()
    for p in earlier_run.iterdir():
        (d / p.name).write_bytes(p.read_bytes())
    (d / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    line = refused(runner.invoke(app, ["run", "minimal", *SMALL, "--out", str(d)]))
    assert "notes.txt" in line
    assert snapshot(tmp_path) == before


def test_out_at_an_earlier_run_replaces_it(tmp_path, earlier_run):
    d = tmp_path / "run"
    d.mkdir()
    for p in earlier_run.iterdir():
        (d / p.name).write_bytes(p.read_bytes())
    result = runner.invoke(app, ["run", "minimal", *SMALL, "--seed", "9", "--out", str(d)])
    assert result.exit_code == 0, result.output
    assert Results.load(d).meta["seed"] == 9
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def make_target(tmp_path: Path, kind: str) -> tuple[str, Path]:
    """A path of the given kind under ``tmp_path``; returns (argument, cwd)."""
    (tmp_path / "file.txt").write_text("keep me")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.txt").write_text("a")
    paths = {
        "file": "file.txt",
        "link to folder": "link",
        "link to file": "flink",
        "dangling link": "dangling",
        "dot": ".",
        "empty": "",
        "dotdot": "folder/..",
        "parent is a file": "file.txt/run",
        "under a file": "file.txt/a/b",
    }
    os.symlink(tmp_path / "folder", tmp_path / "link")
    os.symlink(tmp_path / "file.txt", tmp_path / "flink")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    return paths[kind], tmp_path


KINDS = ["file", "link to folder", "link to file", "dangling link", "dot", "empty", "dotdot",
         "parent is a file", "under a file"]


@pytest.mark.parametrize("kind", KINDS)
def test_run_out_refuses_paths_that_are_not_new_or_a_run(tmp_path, monkeypatch, kind):
    arg, cwd = make_target(tmp_path, kind)
    monkeypatch.chdir(cwd)
    before = snapshot(tmp_path)
    refused(runner.invoke(app, ["run", "minimal", *SMALL, "--out", arg]))
    assert snapshot(tmp_path) == before


def test_run_out_in_a_folder_it_may_not_write(tmp_path, monkeypatch):
    real_access = os.access
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == locked
                        else real_access(p, mode))
    line = refused(runner.invoke(app, ["run", "minimal", *SMALL,
                                       "--out", str(locked / "run")]))
    assert "permission denied" in line
    assert list(locked.iterdir()) == []


def test_a_write_that_fails_midway_is_one_line_and_leaves_nothing(tmp_path, monkeypatch,
                                                                  earlier_run):
    import premia.results as results

    def broken(table, where, **kw):
        raise PermissionError(13, "Permission denied")

    res = Results.load(earlier_run)
    monkeypatch.setattr(results.pq, "write_table", broken)
    with pytest.raises(OutputError, match="cannot write the run") as err:
        res.save(tmp_path / "run")
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_run_directories_follow_the_umask(tmp_path, earlier_run):
    res = Results.load(earlier_run)
    old = os.umask(0o022)
    try:
        out = res.save(tmp_path / "run")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_temporaries_of_killed_saves_are_cleaned(tmp_path, earlier_run):
    dead = tmp_path / ".run.tmp-999999999-abcd"
    dead.mkdir()
    (dead / "firms.parquet").write_bytes(b"partial")
    stale = tmp_path / ".run.old-999999998"
    stale.mkdir()
    alive = tmp_path / f".run.tmp-{os.getpid()}-live"
    alive.mkdir()
    Results.load(earlier_run).save(tmp_path / "run")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run", alive.name])


def test_api_save_follows_the_same_rule(tmp_path, earlier_run):
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(OutputError, match="not a premia run"):
        Results.load(earlier_run).save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    with pytest.raises(OutputError):
        check_run_dir(tmp_path / "keep.txt")
    assert check_output_file(tmp_path / "keep.txt") == tmp_path / "keep.txt"


@pytest.mark.parametrize("kind", ["file", "dangling link", "parent is a file"])
def test_report_out_refuses_what_is_not_a_folder(tmp_path, monkeypatch, earlier_run, kind):
    arg, cwd = make_target(tmp_path, kind)
    monkeypatch.chdir(cwd)
    before = snapshot(tmp_path)
    refused(runner.invoke(app, ["report", "--run", str(earlier_run), "--lang", "en",
                                "--out", arg]))
    assert snapshot(tmp_path) == before


def test_report_refuses_to_replace_a_folder_with_its_file(tmp_path, earlier_run):
    (tmp_path / "run-report.en.html").mkdir()
    line = refused(runner.invoke(app, ["report", "--run", str(earlier_run), "--lang", "en",
                                       "--out", str(tmp_path)]))
    assert "run-report.en.html" in line and "directory" in line


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "s"
    sweep(MINIMAL, store=path, values={"category.phones.patent_length": [6]},
          overrides={"scenario.periods": 3, "scenario.consumers": 100}, executor="serial")
    return path


@pytest.mark.parametrize("option", ["--csv", "--parquet"])
@pytest.mark.parametrize("kind", ["folder", "link to file", "under a file", "parent is a file"])
def test_query_outputs_refuse_folders_links_and_paths_under_files(tmp_path, monkeypatch, store,
                                                                  option, kind):
    arg, cwd = make_target(tmp_path, "file" if kind == "folder" else kind)
    monkeypatch.chdir(cwd)
    if kind == "folder":
        arg = "folder"
    before = snapshot(tmp_path)
    refused(runner.invoke(app, ["query", str(store), "SELECT 1 AS x", option, arg]))
    assert snapshot(tmp_path) == before


def test_query_output_may_replace_the_file_it_names(tmp_path, store):
    target = tmp_path / "out.csv"
    target.write_text("old")
    result = runner.invoke(app, ["query", str(store), "SELECT 1 AS x", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().splitlines() == ['"x"', "1"]
