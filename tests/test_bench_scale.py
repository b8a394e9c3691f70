"""benchmarks/scale.py: a small run writes its figures, and its comparison of two runs'
summaries finds a difference exactly where there is one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import scale


def test_a_small_run_writes_time_memory_progress_and_a_summary(tmp_path):
    out = tmp_path / "run.json"
    scale.main(["--consumers", "3000", "--months", "3", "--every", "1", "--json", str(out)])
    data = json.loads(out.read_text())
    assert data["consumers"] == 3000 and data["months"] == 3
    assert [row[0] for row in data["progress"]] == [1, 2, 3]
    assert data["wall_s"] > 0 and data["cpu_s"] > 0 and data["peak_mb"] > 100
    assert set(data["summary"]) >= {"goods", "phones", "embroidery", "culture miao"}
    again = tmp_path / "again.json"
    scale.main(["--consumers", "3000", "--months", "3", "--compare", str(out),
                "--json", str(again)])
    rows = json.loads(again.read_text())["compare"]["rows"]
    assert rows and all(float(r[4]) == 0.0 for r in rows)  # same seed: the same results


def test_compare_reports_the_relative_difference_of_a_changed_measure():
    mine = {"phones": {"price_index": 101.0, "sales": 5.0}}
    other = {"phones": {"price_index": 100.0, "sales": 5.0}}
    rows = {r[1]: float(r[4]) for r in scale.compare(mine, other)}
    assert rows == {"price_index": 0.01, "sales": 0.0}
