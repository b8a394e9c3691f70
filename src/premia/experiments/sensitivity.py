"""Global sensitivity analysis of a run metric with SALib (Sobol or Morris).

For ``D`` parameters with ranges, the runs are a SALib design: Saltelli/Sobol sampling
(``n·(D + 2)`` points, first-order ``S1`` and total ``ST`` indices) or Morris trajectories
(``n·(D + 1)`` points, ``mu*`` and ``sigma``), each point run for ``seeds`` replicates
with common random numbers (the same seeds at every point), the metric averaged over
replicates. Confidence intervals are SALib's bootstrap 95% intervals. The runs go into a
:class:`~premia.experiments.store.Store`, so an interrupted analysis resumes.

Units. Sobol indices are shares of the metric's variance (0 to 1). Morris' ``mu*``,
``mu`` and ``sigma`` are in the metric's own units per full range of the parameter: an
elementary effect is the metric's change over one step of the design divided by that
step as a share of the range (SALib's ``(Y(x + Δ) − Y(x)) / Δ`` with ``Δ = 2/3`` on four
levels), so ``mu* = 0.1`` on ``markup:phones`` means that moving the parameter across its
range moves the markup by about 0.1 on average (in absolute value).

Each result carries the metric's mean and spread over the design and warnings for what
makes indices unreliable: 95% intervals wider than the indices (too small a sample), a
metric that barely varies over the ranges, and categories whose firms all exited in some
of the runs (their metric then describes a dead market).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from premia import metrics
from premia.experiments.design import Range, check_unique, clean
from premia.experiments.store import Store, write_table_atomic
from premia.experiments.sweep import Progress, plan, run_plan
from premia.results import Results

METHODS = ("sobol", "morris")
UNITS = {
    "sobol": "S1 and ST are shares of the metric's variance (0 to 1); *_conf: 95% half-width",
    "morris": "mu*, mu and sigma are in the metric's units per full range of the parameter "
              "(metric change over a step / the step as a share of the range); "
              "mu_star_conf: 95% half-width",
}
FLAT = 1e-3
"""A metric whose spread (sd) is below this share of its mean's size barely varies."""
MetricLike = str | Callable[[Results], float]


class SensitivityError(ValueError):
    """Bad input to a sensitivity analysis, or runs that failed (one line)."""


@dataclass
class SensitivityResult:
    """Indices per parameter.

    Attributes:
        method: ``sobol`` or ``morris``.
        metric: the metric's name.
        indices: one row per parameter: ``S1, S1_conf, ST, ST_conf`` (Sobol) or
            ``mu_star, mu_star_conf, sigma, mu`` (Morris), sorted by importance.
        runs: number of distinct runs.
        values: the metric at each point of the design (mean over replicates).
        warnings: what makes the indices unreliable, one line each.
    """

    method: str
    metric: str
    indices: pd.DataFrame
    runs: int
    values: np.ndarray = field(default_factory=lambda: np.empty(0))
    warnings: list[str] = field(default_factory=list)

    @property
    def units(self) -> str:
        """What the indices' numbers are measured in."""
        return UNITS[self.method]

    @property
    def spread(self) -> dict[str, float]:
        """The metric over the design: ``mean``, ``sd``, ``min`` and ``max``."""
        v = self.values
        if not v.size:
            return dict.fromkeys(("mean", "sd", "min", "max"), float("nan"))
        return {"mean": float(v.mean()), "sd": float(v.std(ddof=0)),
                "min": float(v.min()), "max": float(v.max())}

    @property
    def ranking(self) -> list[str]:
        """Parameters from most to least influential (by ``ST`` or ``mu*``)."""
        return list(self.indices.parameter)

    def figure(self) -> Any:
        """A plotly bar chart of the indices with their 95% intervals."""
        import plotly.graph_objects as go

        df = self.indices
        pairs = ([("S1", "first order S1"), ("ST", "total ST")] if self.method == "sobol"
                 else [("mu_star", "mu*"), ("sigma", "sigma")])
        fig = go.Figure()
        for col, label in pairs:
            err = df.get(f"{col}_conf")
            fig.add_bar(name=label, x=df.parameter, y=df[col],
                        error_y=None if err is None else {"type": "data", "array": err})
        spread = self.spread
        title = f"{self.method} sensitivity of {self.metric}"
        if self.values.size:
            title += (f"<br><sup>{self.metric} over the design: mean {spread['mean']:.4g}, "
                      f"sd {spread['sd']:.3g}; {self.units}</sup>")
        fig.update_layout(barmode="group", title=title, xaxis_title="parameter",
                          yaxis_title="index", template="plotly_white")
        if self.warnings:
            fig.add_annotation(text="<br>".join(f"warning: {w}" for w in self.warnings),
                               xref="paper", yref="paper", x=0, y=-0.35, showarrow=False,
                               align="left", font={"size": 11, "color": "#b5472f"})
            fig.update_layout(margin={"b": 160})
        return fig

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``indices.csv`` and ``sensitivity.html`` (offline plotly) atomically."""
        import pyarrow as pa

        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        csv = write_table_atomic(pa.Table.from_pandas(self.indices, preserve_index=False),
                                 d / "indices.csv", "csv")
        html = write_html_atomic(self.figure(), d / "sensitivity.html")
        return {"csv": csv, "html": html}


def write_html_atomic(fig: Any, path: str | Path) -> Path:
    """Write a plotly figure as self-contained HTML (plotly.js embedded, no CDN)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        fig.write_html(tmp, include_plotlyjs=True, full_html=True)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _metric_fn(metric: MetricLike) -> tuple[str, Callable[[Results], float]]:
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    metrics.parse(metric)
    return metric, lambda res: metrics.evaluate(metric, res)


def _design(method: str, ranges: list[Range], n: int, seed: int) -> tuple[dict, np.ndarray]:
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(ranges), "names": [r.path for r in ranges],
               "bounds": [[r.low, r.high] for r in ranges]}
    if method == "sobol":
        X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        X = morris_sample.sample(problem, n, num_levels=4, seed=seed)
    return problem, np.vectorize(clean)(X)


def _analyze(method: str, problem: dict, X: np.ndarray, Y: np.ndarray, seed: int
             ) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    if method == "sobol":
        si = sobol_analyze.analyze(problem, Y, calc_second_order=False, conf_level=0.95,
                                   seed=seed)
        cols, key = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
    else:
        si = morris_analyze.analyze(problem, X, Y, conf_level=0.95, num_levels=4, seed=seed)
        cols, key = ("mu_star", "mu_star_conf", "sigma", "mu"), "mu_star"
    df = pd.DataFrame({"parameter": problem["names"],
                       **{c: np.asarray(si[c], float) for c in cols}})
    return df.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)


def _interval_warnings(method: str, df: pd.DataFrame, n: int) -> list[str]:
    pairs = (("S1", "S1_conf"), ("ST", "ST_conf")) if method == "sobol" else \
        (("mu_star", "mu_star_conf"),)
    out = []
    for col, conf in pairs:
        wide = df[df[conf] > df[col].abs()]
        if len(wide):
            worst = wide.loc[(wide[conf] - wide[col].abs()).idxmax()]
            out.append(f"95% intervals wider than the {col} indices for "
                       f"{', '.join(wide.parameter)} (e.g. {worst.parameter}: {col} "
                       f"{worst[col]:.3g} ± {worst[conf]:.3g}); raise --n (now {n})")
    if method == "sobol":
        outside = df[(df.S1 < -0.05) | (df.ST > 1.05) | (df.S1 > 1.05) | (df.ST < -0.05)]
        if len(outside):
            out.append(f"indices outside [0, 1] for {', '.join(outside.parameter)}: too few "
                       f"samples for a variance decomposition; raise --n (now {n})")
    return out


def _flat_warning(Y: np.ndarray) -> list[str]:
    mean, sd = float(np.mean(Y)), float(np.std(Y))
    if sd <= FLAT * max(abs(mean), 1e-12):
        return [f"the metric barely varies over the ranges (mean {mean:.4g}, sd {sd:.3g}): "
                "its indices are noise; widen the ranges or choose another metric"]
    return []


def warnings_for(method: str, indices: pd.DataFrame, Y: np.ndarray, n: int,
                 deaths: list[str] | None = None) -> list[str]:
    """The warnings of an analysis: wide intervals, a flat metric, dead markets."""
    return [*_flat_warning(Y), *_interval_warnings(method, indices, n), *(deaths or [])]


def sensitivity(scenario: Any, metric: MetricLike, ranges: Mapping[str, tuple[float, float]],
                *, method: str = "sobol", n: int = 16, seeds: int = 1,
                overrides: Mapping[str, Any] | None = None, executor: str = "local",
                workers: int = 1, scheduler: str | None = None, out: str | Path | None = None,
                seed: int = 0, progress: Progress | None = None,
                stale: str = "stop") -> SensitivityResult:
    """Sobol or Morris sensitivity of a metric to parameters varied over ranges.

    Args:
        scenario: a scenario file, shipped scenario name or :class:`~premia.Scenario`.
        metric: ``NAME:ARG`` from :mod:`premia.metrics` or a function of a run's Results.
        ranges: ``{override path: (low, high)}``; continuous (float) parameters.
        method: ``sobol`` (S1, ST) or ``morris`` (mu*, sigma).
        n: SALib base sample size (runs = n·(D+2) for Sobol, n·(D+1) for Morris, ×seeds).
        seeds: replicates per point (metric averaged).
        overrides: fixed overrides applied first.
        executor, workers, scheduler: as in :func:`premia.sweep`.
        out: folder for ``store/``, ``indices.csv`` and ``sensitivity.html``; without
            it the runs go to a temporary store that is removed afterwards.
        seed: seed of the SALib design and bootstrap.
        progress: ``progress(done, failed, total)``.
        stale: runs in ``out``'s store made by other premia code: ``stop``, ``rerun`` or
            ``keep`` (see :func:`premia.experiments.sweep.run_plan`).

    Returns:
        A :class:`SensitivityResult`.

    Example:
        >>> import premia
        >>> res = premia.sensitivity("minimal", "markup:embroidery",   # doctest: +SKIP
        ...     {"category.embroidery.authenticity_loss": (0.2, 1.0),
        ...      "culture.miao.decay": (0.0, 0.02)}, n=8, workers=2)
        >>> res.indices                                                 # doctest: +SKIP
    """
    if method not in METHODS:
        raise SensitivityError(f"--method {method!r}: use sobol or morris")
    name, fn = _metric_fn(metric)
    box = [Range(p, float(lo), float(hi)) for p, (lo, hi) in ranges.items()]
    if not box:
        raise SensitivityError("give at least one --range PATH=LO:HI")
    check_unique([r.path for r in box])
    for r in box:
        if not r.low < r.high:
            raise SensitivityError(f"--range {r.path}: LO must be below HI")
    problem, X = _design(method, box, n, seed)
    points = [dict(zip(problem["names"], map(float, row), strict=True)) for row in X]
    tmp = None if out is not None else tempfile.mkdtemp(prefix="premia-sensitivity-")
    store = Store(Path(out) / "store" if out is not None else tmp)
    try:
        p = plan(scenario, store, points=points, seeds=seeds, overrides=overrides,
                 common_seeds=True, workers=workers)
        run_plan(p, executor=executor, workers=workers, scheduler=scheduler,
                 progress=progress, stale=stale)
        status = store.status()
        failed = [t for t in p.tasks if status.get(t.run_id) != "done"]
        if failed:
            rec = {r["run_id"]: r for r in store.records()}.get(failed[0].run_id, {})
            raise SensitivityError(f"{len(failed)} of {len(p.tasks)} runs failed "
                                   f"(first: {rec.get('error', 'unknown')})")
        values = {t.run_id: fn(store.results(t.run_id)) for t in {t.run_id: t
                                                                    for t in p.tasks}.values()}
        Y = np.array([np.mean([values[t.run_id] for t in p.tasks[i * seeds:(i + 1) * seeds]])
                      for i in range(len(points))])
        if not np.all(np.isfinite(Y)):
            raise SensitivityError(f"metric {name} is not finite for some runs")
        indices = _analyze(method, problem, X, Y, seed)
        deaths = metrics.store_death_warnings(store, {t.run_id for t in p.tasks})
        result = SensitivityResult(method, name, indices, runs=len({t.run_id for t in p.tasks}),
                                   values=Y, warnings=warnings_for(method, indices, Y, n, deaths))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if out is not None:
        result.write(out)
    return result
