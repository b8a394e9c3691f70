"""``premia moments`` and ``premia calibrate``."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from premia.cli.common import BadInputError, app, console, guarded, parse_sets, progress_bar

F = TypeVar("F", bound=Callable[..., Any])
PERCENT = {"learning_rate", "gross_margin", "net_margin", "margin_volatility", "utilization"}


def bad_input(func: F) -> F:
    """Turn the calibration layer's input errors into :class:`BadInputError` (exit 2)."""
    from premia.calibration.series import SeriesError
    from premia.calibration.statistics import StatisticError
    from premia.calibration.targets import TargetError
    from premia.experiments.store import StoreError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SeriesError, StatisticError, TargetError, StoreError) as exc:
            raise BadInputError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _num(value: Any, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, int | float):
        return f"{100 * value:.1f}%" if percent else f"{value:.4g}"
    return str(value)


def _json_ready(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in r.items()} for r in rows]


@app.command()
@guarded
@bad_input
def moments(
    paths: Annotated[list[Path], typer.Argument(help="CSV series, moments TOML, run dir or store")],
    months: Annotated[int, typer.Option(min=1, help="model months per observation")] = 12,
    se: Annotated[str, typer.Option(help="hac (Newey-West) or plain OLS standard errors")] = "hac",
    json_: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Moments of a series (CSV of year, price or unit cost, production, optional cost and
    revenue), a run, a store or a moments file: learning rate with its interval, margin
    level, volatility, autocorrelation and trend, utilisation, diffusion speed."""
    import pandas as pd

    from premia.calibration.describe import describe
    from premia.calibration.moments import SE_METHODS

    if se not in SE_METHODS:
        raise BadInputError(f"--se {se!r}: use hac or plain")
    tables = [describe(p, months, se)[1] for p in paths]
    frame = pd.concat(tables, ignore_index=True)
    if json_:
        rows = _json_ready(frame.astype(object).where(frame.notna(), None).to_dict("records"))
        typer.echo(json.dumps({"moments": rows}, indent=1, ensure_ascii=False))
        return
    table = Table(title=f"moments ({'Newey-West HAC' if se == 'hac' else 'plain OLS'} se "
                        "for regressions; 95% intervals)")
    sources = frame["source"].nunique() > 1
    cols = ("source", "id", "statistic", "value", "se", "interval", "n", "method")
    for col in cols[0 if sources else 1:]:
        table.add_column(col, justify="right" if col in ("value", "se", "n") else "left",
                         no_wrap=col in ("statistic", "value", "se"))
    for r in frame.itertuples():
        pct = r.statistic in PERCENT
        interval = (f"[{_num(r.low, pct)}, {_num(r.high, pct)}]"
                    if r.low is not None and isinstance(r.low, float) and math.isfinite(r.low)
                    else "")
        n = "" if r.n is None or (isinstance(r.n, float) and not math.isfinite(r.n)) \
            else str(int(r.n))
        cells = [str(r.id), str(r.statistic), _num(r.value, pct), _num(r.se, pct), interval,
                 n, str(r.method or "")]
        table.add_row(*([str(r.source)] if sources else []), *cells)
    console.print(table)


def _params(items: list[str] | None) -> list[Any]:
    from premia.calibration.targets import parse_param

    params = [parse_param(p) for p in items or []]
    if not params:
        raise BadInputError("give at least one --param PATH=LO:HI")
    return params


def _print_fit(fit: Any) -> None:
    pt = Table(title=f"calibrated parameters ({fit.seeds} seeds per point)")
    for col in ("parameter", "range", "start", "estimate", "se", "95% interval"):
        pt.add_column(col, justify="left" if col == "parameter" else "right")
    for r in fit.params_table().itertuples():
        pt.add_row(r.parameter, f"{r.low:g}..{r.high:g}", _num(r.start), _num(r.estimate),
                   _num(r.se), f"[{_num(r.ci_low)}, {_num(r.ci_high)}]")
    console.print(pt)
    ft = Table(title="fit: data beside model (se: data and simulation noise)")
    for col in ("moment", "data", "model", "se", "t"):
        ft.add_column(col, justify="left" if col == "moment" else "right")
    for r in fit.fit_table().itertuples():
        t = f"{r.t:+.2f}" if math.isfinite(r.t) else ""
        ft.add_row(r.moment, _num(r.data), _num(r.model), _num(r.se), t)
    console.print(ft)
    if fit.left_out:
        console.print("not produced by the model at the estimates (left out of the standard "
                      f"errors and J): {', '.join(fit.left_out)}")
    if fit.df > 0:
        console.print(f"J = {fit.j_stat:.4g} with {fit.df} degrees of freedom "
                      f"(p = {fit.p_value:.3g})")
    else:
        console.print("exactly identified: no J statistic")
    console.print(f"{fit.evaluations} evaluations, {fit.runs} runs simulated, "
                  f"{fit.runs_stored} reused from an earlier fit, {fit.failed} failed; "
                  f"{fit.wall_s:.1f} s")


@app.command()
@guarded
@bad_input
def calibrate(
    file: Annotated[Path, typer.Argument(help="scenario file or shipped scenario name")],
    moments_file: Annotated[Path, typer.Option("--moments", help="moments TOML or CSV")],
    param: Annotated[list[str] | None, typer.Option(help="PATH=LO:HI (repeatable)")] = None,
    seeds: Annotated[int, typer.Option(min=1, help="runs per point (common seeds)")] = 5,
    only: Annotated[list[str] | None, typer.Option(help="use only this moment id")] = None,
    executor: Annotated[str, typer.Option(help="local (process pool), dask or serial")] = "local",
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="tcp://HOST:PORT (dask)")] = None,
    store: Annotated[Path | None, typer.Option(help="run store (default OUT/store)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (calibration/NAME)")] = None,
    samples: Annotated[int | None, typer.Option(min=0, help="global Sobol points (10 K)")] = None,
    starts: Annotated[int, typer.Option(min=1, help="local searches")] = 2,
    max_evals: Annotated[int | None, typer.Option(min=1, help="evaluations per search")] = None,
    algorithm: Annotated[str, typer.Option(help="optimagic local algorithm")] = "scipy_neldermead",
    months: Annotated[int | None, typer.Option(min=1, help="model months per observation")] = None,
    seed: Annotated[int | None, typer.Option(help="root seed (default: the file's)")] = None,
    variance_runs: Annotated[int, typer.Option(min=2, help="runs for the simulation "
                                                          "variance at the estimates")] = 10,
    set_: Annotated[list[str] | None, typer.Option("--set", help="fixed PATH=VALUE")] = None,
) -> None:
    """Fit parameters to data moments (simulated method of moments, common random numbers);
    writes the calibrated scenario, the fit table, the J statistic and a report."""
    from premia.calibration import fit_targets, load_moments
    from premia.calibration.output import write_outputs
    from premia.calibration.smm import _base, applicable
    from premia.calibration.smm import calibrate as fit_smm
    from premia.experiments.executors import EXECUTORS

    if executor not in EXECUTORS:
        raise BadInputError(f"--executor {executor!r}: use one of {', '.join(EXECUTORS)}")
    _check_algorithm(algorithm)
    mf = load_moments(moments_file)
    targets = fit_targets(mf, only, str(moments_file))
    params = _params(param)
    overrides = parse_sets(set_)
    raw, source = _base(file, overrides)
    if not only:
        targets, skipped = applicable(raw, source, targets)
        if skipped:
            console.print(f"not used (the scenario has nothing they describe): "
                          f"{', '.join(m.id for m in skipped)}")
    name = str(raw.get("scenario", {}).get("name", Path(file).stem))
    target = out or Path("calibration") / name
    run_store = store or target / "store"
    with progress_bar("calibrating (runs)") as advance:
        fit = fit_smm(file, targets, params, store=run_store, seeds=seeds, overrides=overrides,
                      months=months or mf.settings.months_per_observation, samples=samples,
                      starts=starts, max_evals=max_evals, algorithm=algorithm,
                      executor=executor, workers=workers, scheduler=scheduler,
                      root_seed=seed, variance_runs=variance_runs,
                      progress=lambda c: advance(c["simulated"]))
    _print_fit(fit)
    for p in write_outputs(fit, file, target):
        console.print(str(p))


def _check_algorithm(name: str) -> None:
    try:
        from optimagic.algorithms import AVAILABLE_ALGORITHMS
    except ImportError:
        raise BadInputError("premia calibrate needs the calibrate extra: "
                            "pip install 'premia[calibrate]'") from None

    if name not in AVAILABLE_ALGORITHMS:
        local = sorted(a for a in AVAILABLE_ALGORITHMS if a.startswith(("scipy_", "nelder",
                                                                          "pounders")))
        raise BadInputError(f"--algorithm {name!r}: use an optimagic algorithm, e.g. "
                            f"{', '.join(local[:6])}")
