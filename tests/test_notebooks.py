"""The example notebooks run top to bottom (nbclient, a real Jupyter kernel).

Each notebook's ``parameters`` cell is replaced by a small size so that CI runs them in
seconds; everything else runs as a reader would run it, in a copy of ``examples/``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SMALL = {
    "01-first-run.ipynb": 'SIZE = {"scenario.periods": 24, "scenario.consumers": 150}',
    "02-sweep-sensitivity-phase.ipynb": (
        'SIZE = {"scenario.periods": 24, "scenario.consumers": 150}\nSEEDS = 2\nSOBOL_N = 4\n'
        'PHASE = {"x": "category.embroidery.authenticity_loss=0:1:2",\n'
        '         "y": "category.embroidery.culture_weight=0.2:1.6:2", "seeds": 2,'
        ' "periods": 24}\nWORKERS = 1'),
    "03-own-question.ipynb": "SEEDS = 2\nPERIODS = 48\nCONSUMERS = 150\nWORKERS = 1",
    "04-calibration.ipynb": (
        'SIZE = {"scenario.periods": 36, "scenario.consumers": 200}\nMONTHS = 3\nSEEDS = 2\n'
        'SEARCH = {"samples": 2, "starts": 1, "max_evals": 4, "variance_runs": 3}'),
}


def test_every_notebook_has_a_small_size():
    assert sorted(p.name for p in EXAMPLES.glob("*.ipynb")) == sorted(SMALL)


def _run(name: str, folder: Path) -> nbformat.NotebookNode:
    book = nbformat.read(folder / name, as_version=4)
    params = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{name}: one cell tagged 'parameters'"
    params[0].source = SMALL[name]
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return book


def _outputs(book: nbformat.NotebookNode) -> str:
    text = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                text.append(f"ERROR {out['ename']}")
            text.append(out.get("text", ""))
            text += [str(v) for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(text)


@pytest.fixture
def examples(tmp_path) -> Path:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    return folder


def _figures(book: nbformat.NotebookNode) -> int:
    return sum("application/vnd.plotly.v1+json" in out.get("data", {})
               for cell in book.cells for out in cell.get("outputs", []))


def test_first_run_notebook(examples):
    book = _run("01-first-run.ipynb", examples)
    text = _outputs(book)
    assert "ERROR" not in text
    assert "Results: scenario minimal, seed 1, 24 periods" in text
    assert "units/month (handmade)" in text and "effective_capacity" in text
    assert "event.0.at" in text  # the differences of the two runs
    assert (examples / "out" / "income.html").stat().st_size > 1_000_000
    assert "jingdezhen" in text and "painted" in text
    assert _figures(book) == 3  # the markups, the two mandates, the porcelain arms


def test_sweep_sensitivity_phase_notebook(examples):
    book = _run("02-sweep-sensitivity-phase.ipynb", examples)
    text = _outputs(book)
    assert "ERROR" not in text
    assert "runs (" in text and "done" in text  # the store's summary
    assert "S1 and ST are shares of the metric's variance" in text
    assert "patent_length" in text
    assert _figures(book) == 3  # the box plot, the Sobol bars and the phase heatmap


def test_calibration_notebook(examples):
    shutil.copytree(EXAMPLES.parent / "data", examples.parent / "data")  # it reads ../data
    book = _run("04-calibration.ipynb", examples)
    text = _outputs(book)
    assert "ERROR" not in text
    assert "0.386" in text  # DRAM's learning rate, as in data/pcdb/README.md
    assert "Beer_(Japan)" in text and "utilization.commodity" in text
    assert "degree(s) of freedom" in text
    assert "target_utilization = " in text and "calibrated: se" in text
    fit = json.loads((examples / "out" / "calibration" / "fit.json").read_text())
    assert fit["params"][0]["path"] == "category.goods.target_utilization"
    assert 0.6 <= fit["estimates"][0] <= 0.95 and fit["runs"] > 0


def test_own_question_notebook(examples):
    book = _run("03-own-question.ipynb", examples)
    text = _outputs(book)
    assert "ERROR" not in text
    assert "['media-vs-kilns']" in text  # the file's questions, listed
    assert "kilns mechanized, machines paid by the budget" in text  # its variants
    assert "income:jingdezhen@media - income:jingdezhen@kilns" in text  # its criteria
    assert "culture_weight = 0" in text  # its placebo
    verdict = re.search(r"jingdezhen\.toml:media-vs-kilns: (\w+); placebo: (\w+) \(2 seeds\)",
                        text)
    assert verdict and {verdict[1], verdict[2]} <= {"holds", "fails", "inconclusive"}
    assert "placebo_verdict" in text and "public spending over a run" in text
    assert _figures(book) == 2  # the effects with their intervals, the incomes over time


def test_the_notebook_extra_pins_jupyter_and_figure_export():
    import tomllib

    meta = tomllib.loads((EXAMPLES.parent / "pyproject.toml").read_text())
    extra = meta["project"]["optional-dependencies"]["notebook"]
    names = {req.split("==")[0] for req in extra}
    assert {"jupyterlab", "ipykernel", "nbclient", "kaleido"} <= names
    assert all("==" in req for req in extra), extra  # pinned exactly
