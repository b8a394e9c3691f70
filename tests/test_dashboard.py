"""The dashboard without a browser: its logic, and the Streamlit app through AppTest."""

from __future__ import annotations

import io
import json
import math
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from premia import scenario
from premia.dashboard import app_path, logic, streamlit_command
from premia.dashboard import questions as dq
from premia.dashboard.params import event_switches, field_bounds, key_params, size_bounds
from premia.loading import ScenarioError

SMALL = {"scenario.periods": 24, "scenario.consumers": 200}


def test_bounds_come_from_the_schema():
    assert field_bounds(scenario.RunSettings, "periods")[:3] == (1.0, 2400.0, True)
    lo, hi, integer, desc = field_bounds(scenario.Category, "authenticity_loss")
    assert (lo, hi, integer) == (0.0, 1.0, False) and "technique" in desc
    lo, hi, _, _ = field_bounds(scenario.Category, "price_weight")
    assert lo == 0.0 and hi == 100.0  # gt=0 is reported as its bound; the schema rejects 0


@pytest.mark.parametrize("name", logic.scenario_names())
def test_key_params_are_valid_overrides_within_bounds(name):
    sc = logic.load(name)
    specs = key_params(sc)
    assert specs, name
    for spec in specs:
        assert spec.lo <= spec.value <= spec.hi, spec
    sc2 = logic.load(name, {s.path: s.value for s in specs})
    assert sc2.model_dump() == sc.model_dump()
    sizes = size_bounds(sc)
    for lo, hi, default in sizes.values():
        assert lo <= default <= hi


def test_event_switches_follow_the_file():
    switches = event_switches(logic.load("guizhou"))
    assert [(w.kind, w.enabled) for w in switches][:3] == [
        ("modernize", False), ("media", False), ("creator", False)]
    on = logic.load("guizhou", {w.path: True for w in switches})
    assert all(e.enabled for e in on.event)


def test_app_switches_an_intervention_on():
    at = AppTest.from_file(str(app_path()), default_timeout=180)
    at.run()
    at.selectbox(key="scenario").set_value("guizhou").run()
    at.slider(key="guizhou:periods").set_value(36)
    at.slider(key="guizhou:consumers").set_value(200)
    at.button(key="run").click().run()
    off = _metrics(at)
    at.checkbox(key="guizhou:event.1.enabled").check()
    at.checkbox(key="guizhou:event.2.enabled").check()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    on = _metrics(at)
    accepting = next(k for k in on if "接受群体" in k)
    assert float(on[accepting].rstrip("%")) > float(off[accepting].rstrip("%"))


def test_out_of_range_override_is_a_scenario_error():
    with pytest.raises(ScenarioError, match=r"innovation_hi must exceed innovation_lo"):
        logic.load("minimal", {"category.phones.innovation_hi": -0.5})


@pytest.fixture(scope="module")
def small_runs():
    base = logic.run_scenario("minimal", SMALL, seed=3)
    changed = logic.run_scenario("minimal", {**SMALL, "event.0.at": 6,
                                             "category.embroidery.authenticity_loss": 1.0},
                                 seed=3)
    return base, changed


def test_compare_and_charts(small_runs):
    base, changed = small_runs
    same = logic.compare(base, base)
    assert all(delta == 0 or math.isnan(delta) for _, delta in same.values())
    diff = logic.compare(changed, base)
    assert any(abs(delta) > 0 for _, delta in diff.values() if not math.isnan(delta))
    figs = logic.charts(changed, base, "zh")
    assert set(figs) == {"tab_prices", "tab_markups", "tab_culture", "tab_regions"}
    names = {tr.name for fig in figs.values() for tr in fig.data}
    assert any(n.startswith("本次运行") for n in names) and any(n.startswith("基准") for n in names)


def test_exports_round_trip(small_runs):
    base, _ = small_runs
    with zipfile.ZipFile(io.BytesIO(logic.export_zip(base, "parquet"))) as zf:
        firms = pq.read_table(io.BytesIO(zf.read("firms.parquet")))
        assert firms.equals(base.tables["firms"])
        assert json.loads(zf.read("run.json"))["seed"] == 3
    with zipfile.ZipFile(io.BytesIO(logic.export_zip(base, "csv"))) as zf:
        header = zf.read("categories.csv").decode().splitlines()[0]
        assert '"category"' in header and '"mean_markup"' in header
    with pytest.raises(ValueError, match="allowed"):
        logic.export_zip(base, "xlsx")


def test_streamlit_command_binds_localhost_headless():
    cmd = streamlit_command()
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert app_path().is_file()


# --- the app itself --------------------------------------------------------------------


def _app() -> AppTest:
    at = AppTest.from_file(str(app_path()), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _small(at: AppTest) -> AppTest:
    at.slider(key="minimal:periods").set_value(24)
    at.slider(key="minimal:consumers").set_value(200)
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _chart_specs(at: AppTest) -> list[str]:
    return [el.proto.spec for el in at.get("plotly_chart")]


def test_app_runs_and_a_slider_changes_the_result():
    at = _small(_app())
    assert at.info  # "press Run" before the first run
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    first, first_charts = _metrics(at), _chart_specs(at)
    assert len(first) == 5 and len(first_charts) == 4
    at.slider(key="minimal:culture.miao.decay").set_value(0.2)  # fast forgetting
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    second = _metrics(at)
    assert second.keys() == first.keys()
    assert second != first
    accepting = next(k for k in first if "接受群体" in k)
    assert float(second[accepting].rstrip("%")) < float(first[accepting].rstrip("%"))
    assert _chart_specs(at) != first_charts


def test_app_switches_language():
    at = _app()
    assert at.title[0].value.startswith("premia：")
    at.slider(key="minimal:culture.miao.decay").set_value(0.2).run()
    at.radio(key="lang").set_value("en").run()
    assert at.slider(key="minimal:culture.miao.decay").value == 0.2  # kept across languages
    assert at.slider(key="minimal:periods").label == "Periods (months)"
    assert at.title[0].value == "premia: a planner's dashboard"
    assert at.button(key="run").label == "Run"
    at.radio(key="lang").set_value("zh").run()
    assert at.button(key="run").label == "运行"


def test_app_shows_the_schema_error_not_a_traceback():
    at = _small(_app())
    at.number_input(key="minimal:category.phones.innovation_hi").set_value(-0.5)
    at.button(key="run").click().run()
    assert not at.exception
    assert len(at.error) == 1
    assert "innovation_hi must exceed innovation_lo" in at.error[0].value
    assert not at.metric


def _premia() -> str:
    return str(Path(sys.executable).with_name("premia"))


def test_dashboard_command_rejects_a_bad_port():
    done = subprocess.run([_premia(), "dashboard", "--port", "70000"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --port 70000: allowed are 1..65535"


def test_dashboard_command_serves_and_stops_its_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([_premia(), "dashboard", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    assert r.read().strip() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "dashboard did not start"
                time.sleep(0.5)
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        with socket.socket() as s:  # the server child is gone: nothing listens on the port
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- any scenario: a file given to premia dashboard FILE, an upload, errors in the page ---

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "jingdezhen.toml"
MINIMAL_TOML = Path(__file__).resolve().parents[1] / "scenarios" / "minimal.toml"


def test_sources_from_a_file_and_an_upload():
    src = logic.file_source(EXAMPLE)
    assert src.key == f"file: {EXAMPLE}" and src.title.startswith("Jingdezhen")
    assert logic.file_source("minimal").key == "minimal"  # a shipped name stays shipped
    up = logic.upload_source("mine.toml", EXAMPLE.read_bytes())
    assert logic.load(up).model_dump() == logic.load(src).model_dump()
    with pytest.raises(ScenarioError, match=r"^bad\.toml: not valid TOML"):
        logic.upload_source("bad.toml", b"[scenario\nname = 1")
    with pytest.raises(ScenarioError, match="no such file"):
        logic.file_source("/no/such/file.toml")


def test_headline_is_the_long_run(small_runs):
    base, _ = small_runs
    cat = base.categories
    tail = cat[(cat.period >= 12) & (cat.firms_alive > 0)]
    assert logic.long_run_months(base) == (12, 23)
    assert logic.headline(base)["m_markup"] == pytest.approx(tail.mean_markup.mean())


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload").set_value((name, data, "application/toml"))
    return at.run()


def test_app_runs_an_uploaded_scenario():
    at = _upload(_app(), "jingdezhen.toml", EXAMPLE.read_bytes())
    assert at.selectbox(key="scenario").value == "upload: jingdezhen.toml"
    key = "upload: jingdezhen.toml"
    at.slider(key=f"{key}:periods").set_value(24)
    at.slider(key=f"{key}:consumers").set_value(200)
    at.checkbox(key=f"{key}:event.0.enabled").check()  # the media campaign
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    assert len(at.metric) == 5
    assert any("第 12–23 月" in c.value for c in at.caption)  # the long run, stated


def test_app_shows_every_error_of_an_invalid_upload_in_the_page():
    text = EXAMPLE.read_text().replace("periods = 96", "periods = -3")
    at = _upload(_app(), "broken.toml", text.encode())
    assert not at.exception
    assert len(at.error) == 1 and "broken.toml" in at.error[0].value
    assert "scenario.periods" in at.error[0].value
    assert not at.metric and not at.button  # nothing to run
    at = _upload(_app(), "syntax.toml", b"[scenario\n")
    assert "not valid TOML" in at.error[0].value


def test_app_offers_the_files_given_on_the_command_line(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py", "--scenario", str(EXAMPLE)])
    at = _app()
    assert at.selectbox(key="scenario").value == f"file: {EXAMPLE}"
    assert any(o.startswith("minimal: ") for o in at.selectbox(key="scenario").options)
    assert at.checkbox(key=f"file: {EXAMPLE}:event.1.enabled").value is False


def test_app_warns_about_a_dead_market():
    text = (MINIMAL_TOML.read_text()
            .replace('fixed_cost = 0.5\n', 'fixed_cost = 50.0\nbankruptcy_months = 0.0\n', 1)
            .replace("entry_rate = 0.5\n", "entry_rate = 0.0\n", 1))
    at = _upload(_app(), "dying.toml", text.encode())
    at.slider(key="upload: dying.toml:periods").set_value(24)
    at.slider(key="upload: dying.toml:consumers").set_value(200)
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    assert any("goods" in w.value and "月起没有企业" in w.value for w in at.warning)


def test_app_shows_a_failed_run_as_an_error(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the solver gave up")

    at = _small(_app())
    monkeypatch.setattr(logic, "simulate", fail)
    at.button(key="run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "RuntimeError: the solver gave up" in at.error[0].value


def test_dashboard_command_validates_its_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("periods = 96", "periods = 0"))
    done = subprocess.run([_premia(), "dashboard", str(bad)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "bad.toml" in done.stderr and "periods" in done.stderr
    cmd = streamlit_command("127.0.0.1", 8600, [EXAMPLE])
    assert cmd[cmd.index("--") + 1:] == ["--scenario", str(EXAMPLE)]


# --- the scenario's questions: listed, described, checked over a few seeds ---------------

def test_questions_of_an_upload_are_listed_and_described():
    src = logic.upload_source("jingdezhen.toml", EXAMPLE.read_bytes())
    found = dq.source_questions(src)
    assert list(found) == ["media-vs-kilns"]
    q = found["media-vs-kilns"]
    rows = dq.variant_rows(q, "en")
    assert [r["variant"] for r in rows] == ["nothing", "kilns", "media"]
    assert rows[1]["changes"] == "event.1.enabled = true; event.1.paid_by = budget"
    assert rows[2]["changes"] == "event.0.enabled = true; spends as kilns"
    crit = dq.criterion_rows(q, "zh")
    assert [c["criterion"] for c in crit] == ["income", "media_gain"]
    assert crit[0]["formula"] == "income:jingdezhen@media - income:jingdezhen@kilns"
    assert crit[0]["claimed"] == "大于 0" and "景德镇" in crit[0]["description"]
    assert "culture_weight = 0.0" in dq.placebo_text(q, "en")
    assert dq.last_start(q) == 24  # both interventions start at month 24
    assert dq.check_sizes(q)["periods"] == (12, 96, 72)  # the long run after month 24
    assert "month 24" in dq.early_warning(q, 36, "en")  # long run from month 18
    assert dq.early_warning(q, 48, "en") is None
    assert list(dq.source_questions(logic.shipped_source("guizhou"))) == ["C6", "C8"]
    assert dq.source_questions(logic.shipped_source("minimal")) == {}


def test_a_bad_question_in_an_upload_names_the_upload_not_its_copy():
    text = EXAMPLE.read_text().replace("income:jingdezhen@kilns", "income:nowhere@kilns")
    src = logic.upload_source("mine.toml", text.encode())
    with pytest.raises(ScenarioError, match=r"^mine\.toml: question media-vs-kilns") as err:
        dq.source_questions(src)
    assert "no region 'nowhere'" in str(err.value) and "premia-uploads" not in str(err.value)
    assert dq.question_file(src).read_bytes() == text.encode()  # a private copy, as sent


def test_the_verdict_rows_follow_the_check_json():
    result = {"verdict": "fails", "criteria": [
        {"name": "gap", "effect": -2.0, "ci": [-3.0, -1.0], "verdict": "fails",
         "direction": ">", "threshold": 0.0}],
        "placebo": {"verdict": "inconclusive", "criteria": [
            {"name": "gap", "effect": 0.5, "ci": [-1.0, 2.0], "verdict": "inconclusive",
             "direction": ">", "threshold": 0.0}]}}
    (row,) = dq.result_rows(result, "en")
    assert row == {"criterion": "gap", "claimed": "above 0", "effect": "-2", "interval": "[-3, -1]",
                   "verdict": "fails", "placebo_effect": "0.5",
                   "placebo_verdict": "inconclusive"}
    assert dq.verdict_line(result, "zh") == "结论：不成立 · 安慰剂：无定论"
    result["verdict"] = "holds"
    assert dq.verdict_line(result, "en").startswith("Verdict: holds")


def _table_text(at: AppTest) -> str:
    return "\n".join(tb.value.to_csv() for tb in at.table)


def test_app_checks_a_question_of_an_uploaded_file():
    at = _upload(_app(), "jingdezhen.toml", EXAMPLE.read_bytes())
    key = "upload: jingdezhen.toml"
    assert at.selectbox(key=f"{key}:question").value == "media-vs-kilns"
    tables = _table_text(at)
    assert "event.1.paid_by = budget" in tables and "与 kilns 支出相同" in tables
    assert "income:jingdezhen@media - income:jingdezhen@kilns" in tables
    assert any("culture_weight" in m.value for m in at.markdown)
    prefix = f"{key}:media-vs-kilns"
    at.number_input(key=f"{prefix}:q_seeds").set_value(2)
    at.number_input(key=f"{prefix}:q_periods").set_value(36).run()
    assert any("第 24 月" in w.value for w in at.warning)  # the long run starts too early
    at.number_input(key=f"{prefix}:q_periods").set_value(48)
    at.number_input(key=f"{prefix}:q_consumers").set_value(100)
    at.button(key="check_question").click().run()
    assert not at.exception and not at.error
    assert not any("第 24 月" in w.value for w in at.warning)
    verdicts = [*at.success, *at.warning]
    assert any(v.value.startswith("结论：") and "安慰剂：" in v.value for v in verdicts)
    assert any("2 个种子、48 个月、100 名消费者" in c.value for c in at.caption)
    text = _table_text(at)
    assert "media_gain" in text and "安慰剂结论" in text
    assert at.get("plotly_chart")  # the effects with their intervals


def test_app_says_when_a_scenario_asks_no_question():
    at = _app()  # minimal declares none
    assert any("[[question]]" in c.value for c in at.caption)
    at.selectbox(key="scenario").set_value("guizhou").run()
    assert at.selectbox(key="guizhou:question").options == ["C6: Media and creators beat "
                                                            "modernization for a poor craft "
                                                            "region", "C8: The constraint is "
                                                            "packaging and promotion, not "
                                                            "cultural resources"]


@pytest.mark.parametrize("module", ["premia.dashboard.questions", "premia.questions.figure"])
def test_doctests(module):
    import doctest
    import importlib

    failed, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failed == 0
