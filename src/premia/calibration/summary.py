"""Markdown tables of a stored fit, for docs/calibration.md.

A fit folder (``premia calibrate --out DIR``) holds ``fit.json``, ``fit.csv`` and
``params.csv``; :func:`fit_markdown` turns them into the fitted values with their
standard errors, the fit table (data, model, se, t), the J statistic and the
identification summary. docs/calibration.md carries each block between the markers
``<!-- fit:NAME -->`` and ``<!-- /fit:NAME -->``; :func:`update_markdown` rewrites them
from the folders, so the page is generated from the fit's output files::

    python -m premia.calibration.summary docs/calibration.md data/calibrated/tech-cycles \\
        docs/check-calibrated.json data/calibrated/check-defaults.json

(the two JSON files, calibrated then shipped, fill the ``check-calibrated`` block).
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

MARKER = re.compile(r"<!-- fit:(?P<name>[\w.-]+) -->\n.*?<!-- /fit:(?P=name) -->", re.S)
CHECK = "check-calibrated"  # the block name of the claims table


def _g(x: float, digits: int = 4) -> str:
    """A number with ``digits`` significant figures (thousands separated when large)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    text = f"{x:#.{digits}g}".rstrip(".")
    return text if "e" not in text else f"{x:.{digits - 1}e}"


def params_block(params: pd.DataFrame) -> list[str]:
    """The fitted parameters: range, start, estimate, se, 95% interval."""
    rows = ["| parameter | range | start | estimate | se | 95% interval |",
            "|---|---|---|---|---|---|"]
    for r in params.itertuples(index=False):
        rows.append(f"| `{r.parameter}` | {_g(r.low)}–{_g(r.high)} | {_g(r.start)} | "
                    f"{_g(r.estimate)} | {_g(r.se)} | [{_g(r.ci_low)}, {_g(r.ci_high)}] |")
    return rows


def fit_block(table: pd.DataFrame) -> list[str]:
    """The fit table: data, model, se (data and simulation noise), t."""
    rows = ["| moment | statistic | data | model | se | t |", "|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        rows.append(f"| {r.moment} | `{r.statistic}` | {_g(r.data)} | {_g(r.model)} | "
                    f"{_g(r.se)} | {r.t:.2f} |")
    return rows


def objective_slope(fit: dict) -> np.ndarray:
    """``2 G'W g`` times a tenth of each parameter's range: how the objective
    ``g'Wg`` changes when a parameter moves by a tenth of its range (from the stored
    Jacobian; the first-order condition of the fit is that it is zero)."""
    jac = np.array(fit["jacobian"], float)
    gap = np.array(fit["model"], float) - np.array(fit["data"], float)
    w = 1.0 / np.array(fit["data_se"], float) ** 2
    span = np.array([p["high"] - p["low"] for p in fit["params"]], float)
    return 2.0 * (jac.T @ (w * gap)) * span * 0.1


def fit_markdown(folder: str | Path) -> str:
    """The Markdown block of one fit folder (without the markers)."""
    d = Path(folder)
    fit = json.loads((d / "fit.json").read_text(encoding="utf-8"))
    params = pd.read_csv(d / "params.csv")
    table = pd.read_csv(d / "fit.csv")
    sv = fit["singular_values"]
    p = fit["p_value"]
    lines = [
        f"Fitted from `{fit['scenario']}` ({fit['seeds']} seeds per point, "
        f"{fit['evaluations']} evaluations, {fit['runs']} runs; optimizer: "
        f"{fit['message'] or 'n/a'}). Files: `{d.as_posix()}/`.",
        "",
        *params_block(params),
        "",
        *fit_block(table),
        "",
        f"J = {_g(fit['j_stat'], 3)} with {fit['df']} degrees of freedom"
        + (f" (p = {_g(p, 3)})" if p is not None else "")
        + f"; objective Σ((model − data)/se_data)² = {_g(fit['objective'], 4)}. "
        f"Singular values of W½G (parameters in units of their ranges): "
        f"{', '.join(_g(s, 3) for s in sv)}.",
    ]
    lines.append(f"Slope of the objective at the estimates, per tenth of each range: "
                 f"{', '.join(_g(x, 3) for x in objective_slope(fit))} (near 0 at an "
                 f"interior minimum, where J applies).")
    if fit.get("left_out"):
        lines.append(f"Left out (not produced at the estimates): {', '.join(fit['left_out'])}.")
    return "\n".join(lines)


def _verdict(crit: dict) -> str:
    lo, hi = crit["ci"]
    return f"{_g(crit['effect'], 3)} [{_g(lo, 3)}, {_g(hi, 3)}] {crit['verdict']}"


def check_markdown(calibrated: str | Path, shipped: str | Path) -> str:
    """The criteria of two ``premia check --json`` files side by side (shipped values,
    calibrated values): effect, 95% interval and verdict of each."""
    docs = [json.loads(Path(f).read_text(encoding="utf-8")) for f in (shipped, calibrated)]
    found = [{(c["id"], k["name"]): k for c in d["claims"] for k in c["criteria"]}
             for d in docs]
    verdicts = [{c["id"]: c["verdict"] for c in d["claims"]} for d in docs]
    rows = ["| claim | criterion | shipped values | calibrated values |", "|---|---|---|---|"]
    for key, crit in found[1].items():
        if key in found[0]:
            rows.append(f"| {key[0]} | {key[1]} | {_verdict(found[0][key])} | "
                        f"{_verdict(crit)} |")
    rows.append("| | **claim** | " + ", ".join(f"{c} {v}" for c, v in verdicts[0].items())
                + " | " + ", ".join(f"{c} {v}" for c, v in verdicts[1].items()) + " |")
    return "\n".join(rows)


def update_markdown(page: str | Path, folders: list[str | Path],
                    check: tuple[str | Path, str | Path] | None = None) -> str:
    """Rewrite the ``<!-- fit:NAME -->`` blocks of ``page`` from the fit folders
    (``NAME`` is a folder's name) and the ``check-calibrated`` block from ``check``
    (the calibrated and the shipped ``premia check --json`` files); returns the new text
    (written in place)."""
    from premia.report.page import write_atomic

    path = Path(page)
    text = path.read_text(encoding="utf-8")
    blocks = {Path(f).name: fit_markdown(f) for f in folders if (Path(f) / "fit.json").is_file()}
    if check is not None:
        blocks[CHECK] = check_markdown(*check)

    def _sub(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in blocks:
            return m.group(0)
        return f"<!-- fit:{name} -->\n{blocks[name]}\n<!-- /fit:{name} -->"

    new = MARKER.sub(_sub, text)
    write_atomic(path, new)
    return new


def blocks(text: str) -> dict[str, str]:
    """``{NAME: block}`` of a page's ``<!-- fit:NAME -->`` blocks (without the markers)."""
    out = {}
    for m in MARKER.finditer(text):
        inner = m.group(0).split("\n", 1)[1]
        out[m.group("name")] = inner.rsplit("\n", 1)[0]
    return out


if __name__ == "__main__":  # pragma: no cover - a maintenance entry point
    _jsons = [a for a in sys.argv[2:] if a.endswith(".json")]
    update_markdown(sys.argv[1], [a for a in sys.argv[2:] if not a.endswith(".json")],
                    (_jsons[0], _jsons[1]) if len(_jsons) == 2 else None)
