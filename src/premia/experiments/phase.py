"""Phase diagrams: a question's effect and verdict over a grid of two parameters.

Every cell ``(x, y)`` runs :func:`premia.claims.run_claim` with
``overrides={x_path: x, y_path: y}`` over ``seeds`` seeds, for one of the essay's claims
(``C4``) or any question (``FILE:QUESTION``). A cell is on the *boundary* when one of its
four neighbours has another verdict; the heatmap marks those cells. Each cell's result is
cached as ``<cache>/<hash>.json`` (written atomically, keyed by the cell, the content of
the question's scenario files and premia's own code), so an interrupted diagram resumes
and a diagram made again after an upgrade is computed again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from premia.experiments.design import Axis, parse_grid
from premia.experiments.executors import make_executor
from premia.experiments.integrity import code_digest
from premia.experiments.sensitivity import write_html_atomic
from premia.experiments.store import write_table_atomic

if TYPE_CHECKING:
    from premia.questions.core import Question

CellTask = tuple["Question", int, dict[str, Any], int | None]
VERDICT_COLOURS = {"holds": "#1b7837", "fails": "#b2182b", "inconclusive": "#7f7f7f"}


def run_cell(task: CellTask) -> dict[str, Any]:
    """One cell: the claim over its seeds with the cell's overrides (run in a worker).

    The cell holds the claim's headline effect (its first criterion), 95% interval and
    combined verdict, plus ``<criterion>_effect`` and ``<criterion>_verdict`` for each of
    the claim's criteria.
    """
    from premia.claims import run_claim

    question, seeds, overrides, periods = task
    res = run_claim(question, seeds=seeds, overrides=overrides, workers=1, periods=periods)
    cell = {"effect": float(res.effect), "ci_lo": float(res.ci[0]), "ci_hi": float(res.ci[1]),
            "verdict": res.verdict, "seeds": int(res.seeds)}
    for crit in getattr(res, "criteria", None) or []:
        cell[f"{crit['name']}_effect"] = float(crit["effect"])
        cell[f"{crit['name']}_verdict"] = str(crit["verdict"])
    return cell


def boundary(verdicts: np.ndarray) -> np.ndarray:
    """Cells (``[iy, ix]``) with a 4-neighbour of another verdict.

    Example:
        >>> boundary(np.array([["holds", "fails"], ["holds", "holds"]])).tolist()
        [[True, True], [False, True]]
    """
    v = np.asarray(verdicts)
    out = np.zeros(v.shape, bool)
    out[:, 1:] |= v[:, 1:] != v[:, :-1]
    out[:, :-1] |= v[:, 1:] != v[:, :-1]
    out[1:, :] |= v[1:, :] != v[:-1, :]
    out[:-1, :] |= v[1:, :] != v[:-1, :]
    return out


@dataclass
class PhaseResult:
    """A claim's effect and verdict on an ``x`` × ``y`` grid.

    Attributes:
        claim: the claim id.
        x, y: the two axes.
        cells: one row per cell: x, y values (columns named by the paths), effect,
            ci_lo, ci_hi, verdict, seeds, per-criterion effects and verdicts, boundary.
    """

    claim: str
    x: Axis
    y: Axis
    cells: pd.DataFrame

    def figure(self) -> Any:
        """A plotly heatmap of the effect with the verdict in each cell and boundary cells
        outlined; a menu switches to each criterion's effect and verdict."""
        import plotly.graph_objects as go

        xs, ys = list(self.x.values), list(self.y.values)
        grid = self.cells.set_index([self.y.path, self.x.path])
        layers = [("effect", "verdict", "headline effect, combined verdict")]
        layers += [(c, c.replace("_effect", "_verdict"), c.replace("_effect", ""))
                   for c in self.cells.columns
                   if c.endswith("_effect") and c.replace("_effect", "_verdict") in grid]
        fig = go.Figure()
        for i, (zcol, tcol, label) in enumerate(layers):
            fig.add_heatmap(
                x=[str(v) for v in xs], y=[str(v) for v in ys], name=label, visible=i == 0,
                z=[[grid.loc[(yv, xv), zcol] for xv in xs] for yv in ys],
                text=[[grid.loc[(yv, xv), tcol] for xv in xs] for yv in ys],
                texttemplate="%{text}<br>%{z:.3g}", colorscale="RdBu", zmid=0,
                colorbar={"title": "effect"},
                hovertemplate=f"{self.x.path}=%{{x}}<br>{self.y.path}=%{{y}}<br>"
                              "effect=%{z:.4g}<br>%{text}<extra></extra>")
        edge = self.cells[self.cells.boundary]
        fig.add_scatter(x=[str(v) for v in edge[self.x.path]],
                        y=[str(v) for v in edge[self.y.path]], mode="markers",
                        name="verdict changes next door",
                        marker={"symbol": "square-open", "size": 34, "color": "black",
                                "line": {"width": 3}})
        n = len(layers)
        buttons = [{"label": label, "method": "update",
                    "args": [{"visible": [j == i for j in range(n)] + [True]}]}
                   for i, (_, _, label) in enumerate(layers)]
        fig.update_layout(title=f"{self.claim}: effect and verdict", xaxis_title=self.x.path,
                          yaxis_title=self.y.path, template="plotly_white",
                          legend={"orientation": "h", "y": -0.2},
                          updatemenus=[{"buttons": buttons, "x": 1.0, "y": 1.15,
                                        "xanchor": "right"}] if n > 1 else [])
        return fig

    def summary(self) -> str:
        """A short markdown description of where the verdict changes."""
        lines = [f"# Phase diagram of {self.claim}", "",
                 f"x = `{self.x.path}` in {list(self.x.values)}; "
                 f"y = `{self.y.path}` in {list(self.y.values)}; "
                 f"{int(self.cells.seeds.iloc[0])} seeds per cell.", "",
                 "| verdict | cells |", "|---|---|"]
        for v, n in self.cells.verdict.value_counts().items():
            lines.append(f"| {v} | {n} |")
        crits = [c[:-len("_verdict")] for c in self.cells.columns if c.endswith("_verdict")]
        if crits:
            lines += ["", "Per criterion (cells holds / inconclusive / fails; mean effect):", ""]
            for c in crits:
                n = self.cells[f"{c}_verdict"].value_counts()
                lines.append(f"- {c}: {n.get('holds', 0)} / {n.get('inconclusive', 0)} / "
                             f"{n.get('fails', 0)}; {self.cells[f'{c}_effect'].mean():.4g}")
        lines += ["", "Boundary cells (a neighbour has another verdict):", ""]
        edge = self.cells[self.cells.boundary]
        lines += [f"- {self.x.path}={r[self.x.path]}, {self.y.path}={r[self.y.path]}: "
                  f"{r.verdict} (effect {r.effect:.4g})" for _, r in edge.iterrows()] or [
            "- none: the verdict is the same on the whole grid"]
        return "\n".join(lines) + "\n"

    def write(self, out: str | Path, name: str | None = None) -> dict[str, Path]:
        """Write ``phase-<claim>.csv``, ``.html`` (offline plotly) and ``.md``, atomically."""
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        stem = name or f"phase-{self.claim}"
        csv = write_table_atomic(pa.Table.from_pandas(self.cells, preserve_index=False),
                                 d / f"{stem}.csv", "csv")
        html = write_html_atomic(self.figure(), d / f"{stem}.html")
        md = d / f"{stem}.md"
        tmp = d / f".{stem}.md.tmp"
        tmp.write_text(self.summary(), encoding="utf-8")
        tmp.replace(md)
        return {"csv": csv, "html": html, "md": md}


def scenario_digest(question: Question) -> str:
    """A hash of the question's scenario files and of premia's code, so cached cells of an
    edited file, or computed by another version of premia, are redone."""
    digest = hashlib.sha256(code_digest().encode())
    for path in sorted({str(v.source) for v in question.variants.values()}):
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(path.encode())
    return digest.hexdigest()


def cell_key(parts: Any) -> str:
    """A short, stable hash of a cell's description (JSON of ``parts``)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class CellCache:
    """Finished cells as ``<folder>/<key>.json``, each written atomically (None: no cache)."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> dict[str, Any] | None:
        """A cached cell, or None."""
        if self.folder is None:
            return None
        f = self.folder / f"{key}.json"
        try:
            return json.loads(f.read_text()) if f.is_file() else None
        except (OSError, json.JSONDecodeError):
            return None

    def put(self, key: str, cell: dict[str, Any]) -> None:
        """Store a cell (temporary file, then rename)."""
        if self.folder is None:
            return
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(cell))
        tmp.replace(self.folder / f"{key}.json")


def _key(task: CellTask, digest: str = "") -> str:
    question, seeds, overrides, periods = task
    return cell_key([question.ref, seeds, overrides, periods, digest])


def run_cells(tasks: list[Any], fn: Any, key: Callable[[Any], str], cache: CellCache,
              executor: str, workers: int,
              progress: Callable[[int, int], None] | None) -> dict[str, dict[str, Any]]:
    """Run the cells not in ``cache`` with ``fn`` on an executor; ``{key: cell}`` of all."""
    found = {}
    for t in tasks:
        cell = cache.get(key(t))
        if cell is not None:
            found[key(t)] = cell
    todo = [t for t in tasks if key(t) not in found]
    if progress:
        progress(len(found), len(tasks))
    if todo:
        with make_executor(executor, workers) as pool:
            for task, cell, error in pool.map_unordered(fn, todo):
                if error is not None:
                    raise error
                found[key(task)] = cell
                cache.put(key(task), cell)
                if progress:
                    progress(len(found), len(tasks))
    return found


def phase(claim: str | Question, x: Axis | str, y: Axis | str, *, seeds: int = 3,
          workers: int = 1,
          executor: str = "local", periods: int | None = None, out: str | Path | None = None,
          cache: str | Path | None = None,
          progress: Callable[[int, int], None] | None = None) -> PhaseResult:
    """A claim's effect and verdict on a grid of two parameters.

    Args:
        claim: a claim id (``"C4"``), ``"FILE:QUESTION"`` or a
            :class:`~premia.questions.Question`.
        x, y: the axes: ``"PATH=LO:HI:N"`` or an :class:`Axis`.
        seeds: seeds per cell.
        workers: cells run in parallel (each cell runs its seeds in one process).
        executor: ``local``, ``dask`` or ``serial``.
        periods: run length override (quick looks).
        out: folder for ``phase-<claim>.csv``, ``.html`` and ``.md``.
        cache: folder of the per-cell results (default: ``out/.phase-<claim>-cells``).
        progress: ``progress(done, total)`` after each cell.

    Example:
        >>> res = phase("C4", "category.embroidery.authenticity_loss=0:1:5",
        ...             "category.embroidery.hand_cost=120:960:5",
        ...             seeds=3, workers=2, out="docs")              # doctest: +SKIP
        >>> res.cells[["verdict", "boundary"]].value_counts()       # doctest: +SKIP
    """
    from premia.questions.find import resolve

    question = resolve(claim) if isinstance(claim, str) else claim
    x = parse_grid(x, "--x") if isinstance(x, str) else x
    y = parse_grid(y, "--y") if isinstance(y, str) else y
    if x.path == y.path:
        raise ValueError(f"--x and --y are both {x.path}")
    tasks = [(question, seeds, {x.path: xv, y.path: yv}, periods)
             for yv in y.values for xv in x.values]
    if cache is None and out is not None:
        cache = Path(out) / f".phase-{question.id}-cells"
    key = functools.partial(_key, digest=scenario_digest(question))
    found = run_cells(tasks, run_cell, key, CellCache(cache), executor, workers, progress)
    rows = [{x.path: t[2][x.path], y.path: t[2][y.path], **found[key(t)]} for t in tasks]
    cells = pd.DataFrame(rows)
    verdicts = cells.verdict.to_numpy().reshape(len(y.values), len(x.values))
    cells["boundary"] = boundary(verdicts).ravel()
    result = PhaseResult(question.id, x, y, cells)
    if out is not None:
        result.write(out)
    return result
