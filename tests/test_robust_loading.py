"""Scenario files that break the loader: one line per problem, exit 2, never a traceback."""

from __future__ import annotations

import os
import threading

import pytest
from conftest import MINIMAL
from typer.testing import CliRunner

import premia.cli.runs  # noqa: F401  (registers run and validate)
from premia.cli.common import app
from premia.loading import ScenarioError, load_scenario, read_toml

runner = CliRunner()


def error_lines(result) -> list[str]:
    """The stderr lines of a bad-input exit, checked for the contract."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    return lines


@pytest.mark.parametrize("section", ["region", "culture", "category", "creator"])
def test_a_non_table_entry_in_a_keyed_list_is_named_not_a_traceback(tmp_path, section):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'{section} = [1]\n[scenario]\nname = "x"\n')
    lines = error_lines(runner.invoke(app, ["validate", str(bad)]))
    assert any(f"{section}.0" in line and str(bad) in line for line in lines), lines


def test_set_on_a_section_that_is_not_a_table(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('scenario = "x"\n')
    lines = error_lines(runner.invoke(app, ["validate", str(bad), "--set",
                                            "scenario.periods=3"]))
    assert lines == [f"error: {bad}: scenario: must be a table ([scenario]), not a string"]


def test_set_on_a_keyed_list_that_holds_non_tables(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('region = [1, "a"]\n[scenario]\nname = "x"\n')
    lines = error_lines(runner.invoke(app, ["validate", str(bad), "--set",
                                            "region.north.wage=3"]))
    assert len(lines) == 1 and "no region 'north'" in lines[0]


def test_api_override_keys_must_be_strings():
    with pytest.raises(ScenarioError, match="override keys are strings") as err:
        load_scenario(MINIMAL, {5: 1})
    assert "\n" not in str(err.value)


def test_deeply_nested_toml_is_a_clean_error(tmp_path):
    bad = tmp_path / "deep.toml"
    bad.write_text("x = " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        read_toml(bad)
    error_lines(runner.invoke(app, ["validate", str(bad)]))


def test_an_integer_of_4300_digits_is_a_clean_error(tmp_path):
    bad = tmp_path / "big.toml"
    bad.write_text("[scenario]\nname = \"x\"\nperiods = " + "9" * 4400 + "\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        read_toml(bad)
    lines = error_lines(runner.invoke(app, ["validate", str(bad)]))
    assert len(lines) == 1


def test_set_with_a_huge_integer_is_a_clean_error():
    lines = error_lines(runner.invoke(app, ["validate", "minimal", "--set",
                                            "scenario.periods=" + "9" * 5000]))
    assert len(lines) == 1 and "scenario.periods" in lines[0]


def test_validate_on_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(runner.invoke(app, ["validate",
                                                                            str(fifo)])))
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "w") as fh:
            fh.write("")
        worker.join()
        pytest.fail("validate blocked on a FIFO")
    lines = error_lines(out[0])
    assert "not a regular file" in lines[0]


def test_validate_on_dev_zero_is_refused_without_reading():
    lines = error_lines(runner.invoke(app, ["validate", "/dev/zero"]))
    assert lines == ["error: /dev/zero: not a regular file (a scenario is a TOML file)"]


def test_a_file_too_large_to_be_a_scenario(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (5 << 20) + b"\n")
    lines = error_lines(runner.invoke(app, ["validate", str(big)]))
    assert "too large" in lines[0]


def test_a_newline_inside_an_id_stays_on_one_line(tmp_path):
    raw = MINIMAL.read_text().replace('id = "goods"', 'id = "go\\nods"', 1)
    bad = tmp_path / "nl.toml"
    bad.write_text(raw)
    lines = error_lines(runner.invoke(app, ["validate", str(bad)]))
    assert any("go\\nods" in line for line in lines), lines


def test_several_errors_are_all_listed_one_line_each(tmp_path):
    raw = MINIMAL.read_text().replace("periods = 120", "periods = 0\nbogus = 1")
    bad = tmp_path / "two.toml"
    bad.write_text(raw)
    lines = error_lines(runner.invoke(app, ["validate", str(bad)]))
    assert len(lines) == 2, lines
    assert not any("more)" in line for line in lines)
    assert any("scenario.periods" in line for line in lines)
    assert any("scenario.bogus" in line and "unknown key" in line for line in lines)
    assert all(str(bad) in line for line in lines)


def test_several_dangling_references_are_all_listed(tmp_path):
    bad = tmp_path / "refs.toml"
    text = MINIMAL.read_text().replace('region = "guizhou"', 'region = "nowhere"')
    bad.write_text(text.replace('home = "guizhou"', 'home = "nowhere"'))
    lines = error_lines(runner.invoke(app, ["validate", str(bad)]))
    assert len(lines) >= 2 and all("nowhere" in line for line in lines), lines


def test_an_event_beyond_the_horizon_is_an_error(tmp_path):
    bad = tmp_path / "late.toml"
    bad.write_text(MINIMAL.read_text().replace("periods = 120", "periods = 50"))
    lines = error_lines(runner.invoke(app, ["validate", str(bad)]))
    assert len(lines) == 1
    assert "event.0.at" in lines[0] and "50 periods" in lines[0], lines


def test_an_event_moved_beyond_the_horizon_by_an_override_is_an_error():
    with pytest.raises(ScenarioError, match=r"event\.0\.at: 200 is beyond"):
        load_scenario(MINIMAL, {"event.0.at": 200})


def test_shortening_the_run_may_cut_events_off():
    sc = load_scenario(MINIMAL, {"scenario.periods": 6})
    assert sc.scenario.periods == 6 and sc.event[0].at == 60
