"""Done when: a new scenario file with its own ``[[question]]`` works with every tool.

The file is written here from scratch (a lacquerware town against plastic tableware, a
media campaign as the question's intervention). ``premia validate``, ``check``,
``phase``, ``robustness`` and ``report`` run on it as a user would run them (the installed
command, exit code 0, outputs on disk that name the question); the dashboard lists and
checks it (Streamlit's AppTest here, a real browser in ``tests/test_browser.py``).
"""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from premia.dashboard import app_path

LACQUER = '''
[scenario]
name = "fuzhou-lacquer"
title = "Fuzhou bodiless lacquer against plastic tableware"
periods = 36
seed = 3
consumers = 200
population = 2.0e5

[[region]]
id = "coast"
name = "Plastics coast"
households = 60000
base_income = 3000.0
wage = 4800.0
poverty_line = 1300.0

[[region]]
id = "fuzhou"
name = "Fuzhou lacquer quarter"
households = 8000
base_income = 1000.0
wage = 2600.0
poverty_line = 1300.0
transport = 10.0

[[culture]]
id = "lacquer"
home = "fuzhou"
capital = 1.0
affinity_home = 0.7
affinity_elsewhere = 0.2
awareness_home = 0.9
awareness_elsewhere = 0.2
media_efficiency = 5.0e-6

[[category]]
id = "plastic"
kind = "commodity"
purchase_rate = 0.05
outside_utility = -1.0
price_weight = 0.05
machine_materials = 10.0
fixed_cost = 0.5

[[category]]
id = "lacquerware"
kind = "culture"
culture = "lacquer"
purchase_rate = 0.01
culture_weight = 2.0
price_weight = 0.005
hand_materials = 80.0
labour_hand = 0.06
fixed_cost = 2.0
initial_markup = 0.4

[[firms]]
category = "plastic"
region = "coast"
count = 4
capacity = 3000.0
cash = 2.0e5

[[firms]]
category = "lacquerware"
region = "fuzhou"
count = 10
capacity = 150.0
cash = 5.0e4

[[event]]
at = 6
kind = "media"
culture = "lacquer"
budget = 200000.0
enabled = false

[[question]]
id = "lacquer-media"
title = "A media campaign grows lacquer's accepting group and the quarter's income"

[[question.variant]]
name = "quiet"

[[question.variant]]
name = "campaign"
enable = [0]

[[question.criterion]]
name = "accepting"
description = "long-run accepting share of lacquer, campaign minus none"
effect = "accepting:lacquer@campaign - accepting:lacquer@quiet"
direction = ">"
threshold = 0.0

[[question.criterion]]
name = "income"
description = "long-run mean household income of the lacquer quarter, campaign minus none"
effect = "income:fuzhou@campaign - income:fuzhou@quiet"
direction = ">"
threshold = 0.0

[question.placebo]
description = "the campaign reaches no one (media efficiency 0)"
set = { "culture.lacquer.media_efficiency" = 0.0 }
'''
TITLE = "A media campaign grows lacquer's accepting group and the quarter's income"
VERDICTS = {"holds", "fails", "inconclusive"}


def premia(*args: object) -> subprocess.CompletedProcess[str]:
    """The installed ``premia`` command, as a user runs it."""
    exe = str(Path(sys.executable).with_name("premia"))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=900,
                          env={"NUMBA_NUM_THREADS": "1", "PATH": str(Path(exe).parent),
                               "HOME": str(Path.home()), "COLUMNS": "200"})


@pytest.fixture(scope="module")
def lacquer(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("own") / "lacquer.toml"
    path.write_text(LACQUER, encoding="utf-8")
    return path


@pytest.mark.slow
def test_check_phase_robustness_and_report_work_on_a_new_file_with_a_question(lacquer, tmp_path):
    done = premia("validate", lacquer)
    assert done.returncode == 0, done.stderr
    check_json = tmp_path / "check.json"
    done = premia("check", lacquer, "lacquer-media", "--seeds", "2", "--workers", "1",
                  "--json", check_json)
    assert done.returncode == 0, done.stderr
    assert "lacquer-media" in done.stdout
    (claim,) = json.loads(check_json.read_text())["claims"]
    assert claim["ref"] == f"{lacquer}:lacquer-media" and claim["title_en"] == TITLE
    assert claim["verdict"] in VERDICTS and claim["placebo"]["verdict"] in VERDICTS
    assert [c["name"] for c in claim["criteria"]] == ["accepting", "income"]
    assert claim["seeds"] == 2 and all(v is not None for v in claim["per_seed"])

    phase_dir = tmp_path / "phase"
    done = premia("phase", f"{lacquer}:lacquer-media",
                  "--x", "culture.lacquer.decay=0:0.02:2",
                  "--y", "category.lacquerware.culture_weight=0.5:2:2",
                  "--seeds", "2", "--workers", "1", "--periods", "24", "--out", phase_dir)
    assert done.returncode == 0, done.stderr
    csv = (phase_dir / "phase-lacquer-media.csv").read_text()
    assert csv.count("\n") >= 5  # a header and the four cells
    assert "lacquer-media" in (phase_dir / "phase-lacquer-media.html").read_text()

    robust_json = tmp_path / "robust.json"
    done = premia("robustness", lacquer, "lacquer-media", "--n", "2", "--seeds", "2",
                  "--range", "culture.lacquer.decay=0:0.02", "--periods", "24",
                  "--json", robust_json)
    assert done.returncode == 0, done.stderr
    (robust,) = json.loads(robust_json.read_text())["robustness"]["claims"]
    assert robust["ref"] == f"{lacquer}:lacquer-media" and robust["points"] == 2
    assert [b["path"] for b in robust["box"]] == ["culture.lacquer.decay"]
    assert sum(robust["shares"].values()) == pytest.approx(1.0)

    report_dir = tmp_path / "report"
    done = premia("report", "--from", check_json, "--lang", "en", "--out", report_dir,
                  "--periods", "24")
    assert done.returncode == 0, done.stderr
    page = (report_dir / "report.en.html").read_text()
    assert html.escape(TITLE) in page
    assert "long-run accepting share of lacquer, campaign minus none" in page
    assert "the campaign reaches no one" in page


def test_the_dashboard_lists_and_checks_the_new_files_question(lacquer, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py", "--scenario", str(lacquer)])
    at = AppTest.from_file(str(app_path()), default_timeout=300)
    at.run()
    key = f"file: {lacquer}"
    assert at.selectbox(key="scenario").value == key
    assert at.selectbox(key=f"{key}:question").value == "lacquer-media"
    prefix = f"{key}:lacquer-media"
    at.number_input(key=f"{prefix}:q_seeds").set_value(2)
    at.number_input(key=f"{prefix}:q_periods").set_value(24)
    at.button(key="check_question").click().run()
    assert not at.exception and not at.error
    assert any(v.value.startswith("结论：") for v in [*at.success, *at.warning])
    assert "accepting" in "\n".join(tb.value.to_csv() for tb in at.table)
