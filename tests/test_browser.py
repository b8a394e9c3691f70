"""A real browser (Debian's Chromium through Playwright) drives the dashboard and the report.

Screenshots go to ``out/screenshots/``. Under ``CI=true`` a missing Chromium is a failure;
elsewhere the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import premia
from premia.dashboard import streamlit_command
from premia.report import claims_report, parse_check, write_atomic

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "out" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
CHART_DATA = """() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(d => (d.data || []).map(t => t.y)))"""


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found (run scripts/install-chromium.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(log: Path) -> Iterator[str]:
    """Serve the dashboard on a free localhost port; always stopped on exit."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(streamlit_command("127.0.0.1", port), stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dashboard did not start: {log.read_text()[-2000:]}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def expect(locator):
    """Playwright's auto-waiting assertions (imported late: Playwright is optional)."""
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def _slider(page, label: str):
    return page.locator('[data-testid="stSlider"]').filter(has_text=label).locator(
        'input[type="range"]')


def _run_and_wait(page, previous: str, timeout: float = 120_000) -> str:
    page.get_by_role("button", name="运行").click()
    page.wait_for_function(f"() => ({CHART_DATA})() !== {json.dumps(previous)} && "
                           f"({CHART_DATA})() !== '[]'", timeout=timeout)
    page.wait_for_timeout(800)
    return page.evaluate(CHART_DATA)


def test_dashboard_slider_run_and_chart_change(browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with dashboard_server(tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        page.get_by_text("premia：规划者仪表盘").wait_for(timeout=60_000)
        periods = _slider(page, "期数")
        periods.focus()
        periods.press("Home")
        periods.press("ArrowRight")  # 24 months
        expect(periods).to_have_value("24")
        consumers = _slider(page, "模拟消费者数")
        consumers.focus()
        consumers.press("Home")
        expect(consumers).to_have_value("100")
        page.wait_for_timeout(500)
        first = _run_and_wait(page, "[]")
        assert page.locator('[data-testid="stMetric"]').count() == 5
        accepting = page.locator('[data-testid="stMetric"]').filter(has_text="接受群体")
        before = accepting.inner_text()
        decay = _slider(page, "每月遗忘率")
        decay.focus()
        for _ in range(20):
            decay.press("ArrowRight")
        expect(decay).not_to_have_value("0.005")
        page.wait_for_timeout(800)
        second = _run_and_wait(page, first)
        assert second != first
        assert accepting.inner_text() != before
        assert not page.get_by_text("Traceback").count()
        page.get_by_role("tab", name="亲和度与接受群体").click()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / "dashboard.png"))
        page.close()
    assert (SHOTS / "dashboard.png").stat().st_size > 10_000


def test_report_renders_offline(browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    from test_report import IDS, fake_check

    over = {"scenario.periods": 24, "scenario.consumers": 300, "event.0.at": 8}
    path = ROOT / "scenarios" / "minimal.toml"
    runs = {"baseline": premia.simulate(premia.load_scenario(path, over), seed=1),
            "no_mandate": premia.simulate(premia.load_scenario(
                path, {**over, "event.0.share": 0.0}), seed=1)}
    html_path = write_atomic(tmp_path / "report.zh.html", claims_report(
        parse_check(fake_check()), dict.fromkeys(IDS, runs), "zh", seed=1))
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html_path.as_uri())
    page.locator(".plotly-graph-div .main-svg").first.wait_for(timeout=30_000)
    assert page.locator(".plotly-graph-div").count() >= len(IDS)
    assert page.evaluate("() => typeof Plotly") == "object"
    assert all(u.startswith("file:") or u.startswith("data:") for u in requests), requests
    page.screenshot(path=str(SHOTS / "report.png"))
    page.close()
    assert (SHOTS / "report.png").stat().st_size > 10_000


def test_dashboard_runs_an_uploaded_scenario_and_shows_errors_of_a_bad_one(browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    example = ROOT / "examples" / "jingdezhen.toml"
    broken = tmp_path / "broken.toml"
    broken.write_text(example.read_text().replace("periods = 96", "periods = -3"))
    with dashboard_server(tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        page.get_by_text("premia：规划者仪表盘").wait_for(timeout=60_000)
        upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        upload.set_input_files(str(broken))
        error = page.locator('[data-testid="stAlertContentError"]')
        error.wait_for(timeout=60_000)
        assert "broken.toml" in error.inner_text() and "periods" in error.inner_text()
        upload.set_input_files(str(example))
        page.get_by_text("传媒投放 #0 · 第24月").wait_for(timeout=60_000)  # its own event
        expect(error).to_have_count(0)
        # the previous scenario's widgets may linger until the rerun ends
        expect(page.locator('[data-testid="stSlider"]').filter(has_text="期数")).to_have_count(1)
        periods = _slider(page, "期数")
        periods.focus()
        periods.press("Home")
        page.wait_for_timeout(500)
        _run_and_wait(page, "[]")
        assert page.locator('[data-testid="stMetric"]').count() == 5
        assert not page.get_by_text("Traceback").count()
        page.screenshot(path=str(SHOTS / "dashboard-upload.png"))
        page.close()


def _number(page, label: str, value: int) -> None:
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input")
    box.fill(str(value))
    box.press("Enter")
    expect(box).to_have_value(str(value))
    page.wait_for_timeout(500)


def test_dashboard_checks_the_question_of_a_user_file(browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    mine = tmp_path / "my-porcelain.toml"  # a user's own file with a [[question]]
    mine.write_text((ROOT / "examples" / "jingdezhen.toml").read_text())
    with dashboard_server(tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1400})
        page.goto(url)
        page.get_by_text("premia：规划者仪表盘").wait_for(timeout=60_000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(mine))
        page.get_by_text("该情景提出的问题").wait_for(timeout=60_000)
        tables = page.locator('[data-testid="stTable"]')
        expect(tables.first).to_contain_text("event.1.paid_by = budget")  # the variants
        expect(tables.nth(1)).to_contain_text("income:jingdezhen@media - income:jingdezhen@kilns")
        expect(page.get_by_text("culture_weight = 0.0").first).to_be_visible()  # the placebo
        _number(page, "种子数", 2)
        _number(page, "期数（月）", 48)
        _number(page, "模拟消费者数", 100)
        page.get_by_role("button", name="检验此问题").click()
        verdict = page.get_by_text("结论：", exact=False).filter(has_text="安慰剂：")
        verdict.first.wait_for(timeout=180_000)
        text = verdict.first.inner_text()
        assert any(w in text for w in ("成立", "无定论")), text
        expect(page.get_by_text("以 2 个种子、48 个月、100 名消费者检验", exact=False)
               ).to_be_visible()
        expect(tables.nth(2)).to_contain_text("media_gain")  # criteria with their verdicts
        assert not page.get_by_text("Traceback").count()
        page.screenshot(path=str(SHOTS / "dashboard-question.png"), full_page=True)
        page.close()
    assert (SHOTS / "dashboard-question.png").stat().st_size > 10_000
