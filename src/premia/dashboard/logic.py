"""What the dashboard does, without Streamlit: run, compare, summarise and export.

Example:
    >>> from premia.dashboard.logic import run_scenario, headline
    >>> res = run_scenario("minimal", {"scenario.periods": 12, "scenario.consumers": 200})
    >>> sorted(headline(res))[:2]
    ['m_accepting', 'm_income']
"""

from __future__ import annotations

import io
import tomllib
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from premia.api import simulate
from premia.catalog import resolve, shipped, title
from premia.loading import ScenarioError, apply_overrides, read_toml, validate_raw
from premia.metrics import long_run, long_run_window
from premia.report.figures import Scope, panels_figure, run_panels
from premia.report.texts import t
from premia.results import TABLES, Results
from premia.scenario import Scenario


@dataclass(frozen=True)
class Source:
    """A scenario the dashboard can run: shipped, a file given to ``premia dashboard FILE``
    or a file uploaded in the page.

    Attributes:
        key: a unique label, shown in the picker and used in the widgets' keys.
        raw: the parsed TOML (validated when loaded with overrides).
        origin: the file name used in error messages.
        path: the file on disk (``None`` for an upload).
        data: an upload's bytes (``None`` for a file on disk).
    """

    key: str
    raw: dict[str, Any] = field(hash=False, compare=False)
    origin: str
    path: Path | None = None
    data: bytes | None = field(default=None, hash=False, compare=False, repr=False)

    @property
    def title(self) -> str:
        """The scenario's ``[scenario] title`` ('' if none)."""
        section = self.raw.get("scenario", {})
        return str(section.get("title", "")) if isinstance(section, dict) else ""


def scenario_names() -> list[str]:
    """The shipped scenarios' names."""
    return list(shipped())


def scenario_title(name: str) -> str:
    """A shipped scenario's title."""
    return title(shipped()[name])


def shipped_source(name: str) -> Source:
    """A shipped scenario as a :class:`Source`."""
    if name not in shipped():
        raise ScenarioError(f"{name}: no such shipped scenario (known: {', '.join(shipped())})")
    return Source(name, read_toml(shipped()[name]), name, shipped()[name])


def file_source(path: str | Path) -> Source:
    """A scenario file (or a shipped scenario's name) as a :class:`Source`."""
    p = resolve(path)
    if p in shipped().values():
        return shipped_source(p.stem)
    return Source(f"file: {p}", read_toml(p), str(p), p)


def upload_source(name: str, data: bytes) -> Source:
    """An uploaded scenario file as a :class:`Source` (syntax errors raise ScenarioError)."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{name}: not a text file (UTF-8 TOML expected)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name}: not valid TOML: {exc}") from None
    return Source(f"upload: {name}", raw, name, None, data)


def load(source: str | Source, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A scenario (a :class:`Source` or a shipped name) with overrides, validated.

    Raises:
        ScenarioError: one line naming the file, the field and what is allowed.
    """
    src = source if isinstance(source, Source) else shipped_source(source)
    raw = apply_overrides(src.raw, dict(overrides or {}), src.origin)
    return validate_raw(raw, src.origin)


def run_scenario(source: str | Source, overrides: Mapping[str, Any], seed: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Results:
    """Run a scenario with overrides; invalid overrides raise :class:`ScenarioError`."""
    return simulate(load(source, overrides), seed=seed, progress=progress)


def headline(res: Results) -> dict[str, float]:
    """The dashboard's metrics, long-run means (the second half of the run).

    Markup and net margin: over the categories' months with firms; poverty and income:
    the craft region (the first culture's home, else the poorest); accepting group: the
    first culture.
    """
    cat = long_run(res.categories)
    trading = cat[cat.firms_alive > 0]
    scope = Scope.of(res)
    out = {"m_markup": float(trading.mean_markup.mean()),
           "m_net_margin": float(trading.net_margin.mean())}
    reg = long_run(res.regions)
    if scope.craft_region is not None:
        reg = reg[reg.region == scope.craft_region]
    out["m_poverty"] = float(reg.poverty_headcount.mean())
    out["m_income"] = float(reg.mean_income.mean())
    cul = long_run(res.cultures)
    if len(cul) and scope.cultures:
        cul = cul[cul.culture == scope.cultures[0]]
    out["m_accepting"] = float(cul.accepting_share.mean()) if len(cul) else float("nan")
    return out


def long_run_months(res: Results) -> tuple[int, int]:
    """The first and last month of the run's long run (the second half)."""
    cat = res.categories
    return long_run_window(int(cat.period.min()), int(cat.period.max()))


def compare(run: Results, baseline: Results) -> dict[str, tuple[float, float]]:
    """``{metric: (run value, run − baseline)}``."""
    a, b = headline(run), headline(baseline)
    return {k: (a[k], a[k] - b[k]) for k in a}


def charts(run: Results, baseline: Results | None, lang: str) -> dict[str, go.Figure]:
    """``{tab key: figure}`` with the run and (if given) its baseline side by side."""
    runs = {"run": run} if baseline is None else {"baseline": baseline, "run": run}
    labels = {"run": t(lang, "this_run"), "baseline": t(lang, "baseline")}
    return {key: panels_figure(runs, panels, lang, labels=labels)
            for key, panels in run_panels(run, lang).items() if panels}


def export_zip(res: Results, fmt: str) -> bytes:
    """The run's tables as a zip of ``parquet`` or ``csv`` files (plus ``run.json``)."""
    import json

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in TABLES:
            sink = io.BytesIO()
            if fmt == "parquet":
                pq.write_table(res.tables[name], sink)
            elif fmt == "csv":
                pacsv.write_csv(res.tables[name], sink)
            else:
                raise ValueError(f"format {fmt!r}: allowed are parquet, csv")
            zf.writestr(f"{name}.{fmt}", sink.getvalue())
        zf.writestr("run.json", json.dumps(res.meta, indent=2, ensure_ascii=False))
    return buf.getvalue()


def format_metric(key: str, value: float) -> str:
    """A metric's value as shown: shares in percent, incomes in yuan, markups as ratios."""
    if value != value:  # NaN
        return "–"
    if key in ("m_poverty", "m_accepting", "m_net_margin"):
        return f"{value:.1%}"
    if key == "m_income":
        return f"{value:,.0f}"
    return f"{value:.3f}"
