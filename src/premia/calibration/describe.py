"""``premia moments``: the moments of a user's series, a run, a store or a moments file.

Example:
    >>> kind, table = describe("data/pcdb/DRAM.csv")
    >>> kind, round(float(table.loc[table.statistic == "learning_rate", "value"].iloc[0]), 3)
    ('series', 0.386)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from premia.calibration.series import SeriesError, read_csv, series_moments
from premia.calibration.statistics import run_table
from premia.calibration.targets import load_moments

COLUMNS = ("source", "id", "statistic", "value", "se", "low", "high", "n", "method")


def kind_of(path: str | Path) -> str:
    """What a path holds: ``series`` (CSV), ``moments`` (TOML), ``run`` or ``store``.

    Raises:
        SeriesError: none of these.
    """
    p = Path(path)
    if p.is_dir():
        if (p / "run.json").is_file():
            return "run"
        if (p / "runs").is_dir():
            return "store"
        raise SeriesError(f"{p}: neither a run directory (run.json) nor a store (runs/)")
    if p.suffix.lower() == ".toml":
        return "moments"
    if p.suffix.lower() == ".csv" or p.exists():
        return "series"
    raise SeriesError(f"{p}: no such file or directory")


def _series(path: Path, se: str) -> pd.DataFrame:
    rows = [{"source": path.name, "id": path.stem, "statistic": name, **e.to_dict()}
            for name, e in series_moments(read_csv(path), se).items()]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _run(path: Path, months: int, se: str) -> pd.DataFrame:
    from premia.results import Results

    try:
        res = Results.load(path)
    except (OSError, ValueError) as exc:
        raise SeriesError(f"{path}: cannot read the run ({type(exc).__name__})") from None
    table = run_table(res, months, se)
    table.insert(0, "source", path.name)
    return table[list(COLUMNS)]


def _store(path: Path, months: int, se: str) -> pd.DataFrame:
    """Every finished run's statistics, then their mean, sd and count over the runs."""
    from premia.experiments.store import Store

    st = Store(path)
    frames = []
    for rec in st.records():
        if rec.get("status") == "done":
            t = run_table(st.results(rec["run_id"]), months, se)
            frames.append(t.assign(run_id=rec["run_id"]))
    if not frames:
        raise SeriesError(f"{path}: the store has no finished runs")
    allruns = pd.concat(frames, ignore_index=True)
    g = allruns.groupby(["id", "statistic"], sort=False)["value"]
    out = pd.DataFrame({"value": g.mean(), "se": g.std(ddof=1) / g.count() ** 0.5,
                        "n": g.count()}).reset_index()
    out["low"] = out["value"] - 1.959963984540054 * out["se"]
    out["high"] = out["value"] + 1.959963984540054 * out["se"]
    out["method"] = "mean over runs, se = sd / sqrt(runs)"
    out.insert(0, "source", path.name)
    return out[list(COLUMNS)]


def _moments(path: Path) -> pd.DataFrame:
    mf = load_moments(path)
    return pd.DataFrame([{"source": path.name, "id": m.id, "statistic": m.model or "",
                          "value": m.value, "se": m.se, "low": None, "high": None, "n": None,
                          "method": m.se_basis} for m in mf.moment], columns=list(COLUMNS))


def describe(path: str | Path, months: int = 12, se: str = "hac") -> tuple[str, pd.DataFrame]:
    """The moments of ``path`` as a table (see :data:`COLUMNS`) and what it was.

    Args:
        path: a CSV series, a moments TOML file, a run directory or a store.
        months: model periods per observation (runs and stores).
        se: ``"hac"`` or ``"plain"`` standard errors of the regressions.
    """
    p = Path(path)
    kind = kind_of(p)
    if kind == "series":
        return kind, _series(p, se)
    if kind == "moments":
        return kind, _moments(p)
    if kind == "run":
        return kind, _run(p, months, se)
    return kind, _store(p, months, se)
