"""docs/units.md: the page on units and scale, and its worked example.

The example's tables are printed by ``examples/units_example.py``; the page quotes them, so
the page's numbers are the model's own (a change to the model or the shipped scenarios
that moves them makes this test fail until the page is regenerated).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "units.md"


def test_the_page_explains_every_quantity_of_scale():
    text = PAGE.read_text(encoding="utf-8")
    for field in ("scenario.population", "scenario.consumers", "scenario.weight",
                  "category.purchase_rate", "firms.capacity", "category.machine_productivity",
                  "region.households", "culture.media_efficiency"):
        assert f"`{field}`" in text, field
    assert "## Worked example" in text


@pytest.mark.slow
def test_the_worked_example_prints_the_tables_the_page_quotes():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "units_example.py")],
                          capture_output=True, text=True, timeout=900, cwd=ROOT,
                          env={"NUMBA_NUM_THREADS": "1", "HOME": str(Path.home())})
    assert done.returncode == 0, done.stderr
    tables = [block for block in done.stdout.strip().split("\n\n") if block.startswith("|")]
    assert len(tables) == 3
    page = PAGE.read_text(encoding="utf-8")
    for table in tables:
        assert table in page, f"docs/units.md does not quote this output:\n{table}"
