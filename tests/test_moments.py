"""Moment estimators on real series (data/pcdb), constructed series and user CSV files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import small
from hypothesis import given, settings
from hypothesis import strategies as st

import premia
from premia.calibration import moments as est
from premia.calibration.describe import describe
from premia.calibration.series import SeriesError, read_csv, series_moments

ROOT = Path(__file__).resolve().parents[1]
PREMIA = Path(sys.executable).with_name("premia")
PCDB = ROOT / "data" / "pcdb"


def readme_rates() -> dict[str, float]:
    """The learning rates printed in the data's README (computed outside this project)."""
    text = (PCDB / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+\.csv) \|.*\| (\d+\.\d)% \|$", text, flags=re.M)
    return {name: float(rate) / 100 for name, rate in rows}


def test_readme_lists_all_nine_series():
    rates = readme_rates()
    assert len(rates) == 9
    assert sorted(rates) == sorted(p.name for p in PCDB.glob("*.csv"))


@pytest.mark.parametrize("name", sorted(readme_rates()))
def test_learning_rates_match_the_published_table(name: str):
    lr = series_moments(read_csv(PCDB / name))["learning_rate"]
    assert lr.value == pytest.approx(readme_rates()[name], abs=0.0005)
    assert 0 < lr.se < 0.1
    assert lr.low < lr.value < lr.high
    assert "Newey-West" in lr.method


def test_dram_from_the_command_line():
    out = subprocess.run([str(PREMIA), "moments", str(PCDB / "DRAM.csv")],
                         capture_output=True, text=True, cwd=ROOT, env={"COLUMNS": "160"},
                         check=False, timeout=300)
    assert out.returncode == 0, out.stderr
    shown = float(re.search(r"learning_rate\s+│\s+([\d.]+)%", out.stdout).group(1))
    assert abs(shown - 38.6) <= 1.0


def test_plain_and_hac_share_the_estimate_but_not_the_error():
    series = read_csv(PCDB / "DRAM.csv")
    hac = series_moments(series, "hac")["learning_rate"]
    plain = series_moments(series, "plain")["learning_rate"]
    assert hac.value == pytest.approx(plain.value, rel=1e-12)
    assert hac.se != pytest.approx(plain.se, rel=1e-3)
    assert plain.method == "OLS, plain standard errors"


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(-0.4, 0.6), n=st.integers(3, 60), growth=st.floats(1.05, 3.0))
def test_power_law_is_recovered_exactly(rate: float, n: int, growth: float):
    cumulative = growth ** np.arange(1, n + 1)
    price = 50.0 * cumulative ** np.log2(1 - rate)
    lr = est.learning_rate(price, cumulative, "plain")
    assert lr.value == pytest.approx(rate, abs=1e-9)
    assert lr.low <= lr.value <= lr.high


@settings(max_examples=40, deadline=None)
@given(noise=st.lists(st.floats(-0.3, 0.3), min_size=8, max_size=40), rate=st.floats(0, 0.5))
def test_interval_brackets_the_estimate_and_rate_stays_below_one(noise, rate):
    x = 2.0 ** np.arange(len(noise))
    price = x ** np.log2(1 - rate) * np.exp(np.array(noise))
    for se in est.SE_METHODS:
        lr = est.learning_rate(price, x, se)
        assert lr.low <= lr.value <= lr.high
        assert lr.high < 1.0


def test_bass_hazard_recovers_p_and_q():
    p, q, f = 0.03, 0.38, [0.0]
    for _ in range(15):
        f.append(f[-1] + (p + q * f[-1]) * (1 - f[-1]))
    bp, bq = est.bass(np.array(f))
    assert bp.value == pytest.approx(p, abs=1e-9)
    assert bq.value == pytest.approx(q, abs=1e-9)


def test_trend_volatility_and_autocorrelation_on_known_series():
    years = np.arange(2000, 2012, dtype=float)
    assert est.trend(0.3 + 0.01 * (years - 2000), years).value == pytest.approx(0.01)
    alternating = np.tile([0.1, 0.3], 6)
    assert est.autocorrelation(alternating).value < -0.8
    assert est.volatility(alternating).value == pytest.approx(np.std(alternating, ddof=1))
    assert est.level(alternating).value == pytest.approx(0.2)


def test_too_short_series_give_missing_values_not_errors():
    assert np.isnan(est.learning_rate(np.array([1.0, 2.0]), np.array([1.0, 2.0])).value)
    assert np.isnan(est.autocorrelation(np.array([1.0, 2.0, 3.0])).value)
    assert np.isnan(est.bass(np.array([0.1, 0.2]))[0].value)


def test_user_csv_with_cost_and_revenue(tmp_path: Path):
    f = tmp_path / "firm.csv"
    years = np.arange(2010, 2022)
    cum = np.cumsum(np.full(years.size, 100.0))
    price = 10 * cum ** np.log2(0.8)
    revenue = price * 100
    cost = revenue * (0.6 + 0.02 * (years % 2))
    lines = ["Year,Unit cost (USD),Production (units),Cost,Revenue"] + [
        f"{y},{p},{100.0},{c},{r}" for y, p, c, r in zip(years, price, cost, revenue,
                                                          strict=True)]
    f.write_text("\n".join(lines) + "\n")
    m = series_moments(read_csv(f))
    assert m["learning_rate"].value == pytest.approx(0.2, abs=1e-9)
    assert m["gross_margin"].value == pytest.approx(0.39, abs=1e-9)
    assert m["margin_autocorrelation"].value < -0.8
    assert m["margin_trend"].value == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(("text", "needle"), [
    ("year,price\n2001,3\n", "no 'production' column"),
    ("year,price,production\n2001,3,x\n", "column 'production', line 2"),
])
def test_bad_csv_is_one_line(tmp_path: Path, text: str, needle: str):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(SeriesError, match=re.escape(needle)):
        read_csv(f)
    out = subprocess.run([str(PREMIA), "moments", str(f)], capture_output=True, text=True,
                         check=False, timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and str(f) in out.stderr
    assert "Traceback" not in out.stderr


def test_moments_of_a_run_and_of_a_store(tmp_path: Path):
    sc = small("minimal", periods=36, consumers=200)
    premia.simulate(sc, seed=1).save(tmp_path / "run")
    kind, table = describe(tmp_path / "run", months=6)
    assert kind == "run"
    assert {"learning_rate", "gross_margin", "utilization", "bass_q", "income"} <= set(
        table.statistic)
    assert set(table[table.statistic == "gross_margin"].id) == {"goods", "phones",
                                                                "embroidery"}
    premia.sweep(sc, store=tmp_path / "store", seeds=2, executor="serial")
    kind, pooled = describe(tmp_path / "store", months=6)
    assert kind == "store" and set(pooled[pooled.value.notna()].n) == {2}
    out = subprocess.run([str(PREMIA), "moments", str(tmp_path / "run"), "--months", "6",
                          "--json"], capture_output=True, text=True, check=False, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["moments"]
    mine = {(r["id"], r["statistic"]): r["value"] for r in rows}
    expected = table.set_index(["id", "statistic"]).value
    assert mine[("goods", "gross_margin")] == pytest.approx(expected[("goods", "gross_margin")])
    (tmp_path / "empty").mkdir()
    bad = subprocess.run([str(PREMIA), "moments", str(tmp_path / "empty")],
                         capture_output=True, text=True, check=False, timeout=300)
    assert bad.returncode == 2 and "neither a run directory" in bad.stderr
