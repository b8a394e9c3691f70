"""Results of one run: Arrow tables, pandas access, atomic Parquet I/O.

A run directory holds ``firms.parquet``, ``categories.parquet``, ``cultures.parquet``,
``regions.parquet``, ``creators.parquet``, ``public.parquet`` (public spending by account
and instrument) and ``run.json`` (the scenario as run, seed, package versions and wall
time).

Outputs never destroy what they did not write. A run directory is written only where
nothing exists yet or over an earlier premia run (a folder with a ``run.json`` and only
run files); a file output (a report, a query's CSV) only where nothing exists yet or over
a regular file of that name. Anything else (a folder of other files, a symbolic link, the
current directory, a path under a file, a folder that cannot be written) is an
:class:`OutputError` with one line, and nothing is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from premia.loading import ScenarioError

TABLES = ("firms", "categories", "cultures", "regions", "creators", "public")
RUN_FILES = frozenset({*(f"{t}.parquet" for t in TABLES), "run.json"})


class OutputError(ValueError):
    """An output path that premia will not write to, or a write that failed (one line)."""


class NonFiniteError(ScenarioError):
    """A run whose tables hold NaN or infinite values; they are not saved (one line)."""


def _show(path: Path) -> str:
    return repr(str(path)) if not str(path) or not str(path).isprintable() else str(path)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_parent(path: Path) -> None:
    """The first existing ancestor of ``path`` must be a folder this process may write."""
    parent = path.absolute().parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{_show(path)}: {_show(parent)} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{_show(path)}: cannot write in {_show(parent)} (permission denied)")


def is_run_dir(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by :meth:`Results.save` (a ``run.json`` with a
    scenario hash, and nothing but run files)."""
    d = Path(path)
    try:
        meta = json.loads((d / "run.json").read_text(encoding="utf-8"))
        names = {p.name for p in d.iterdir()}
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "scenario_hash" in meta and names <= RUN_FILES


def check_run_dir(path: str | Path) -> Path:
    """Raise :class:`OutputError` unless a run may be written to ``path``.

    Allowed: a path that does not exist (its parents are created), or an earlier premia
    run, which is replaced.
    """
    target = Path(path)
    if str(path) in ("", ".", "..") or target.is_symlink():
        what = "is a symbolic link" if target.is_symlink() else "is not a run directory"
        raise OutputError(f"{_show(target)}: {what}; give a new folder name for the run")
    here = Path.cwd().resolve()
    if target.resolve() in (here, *here.parents):
        raise OutputError(f"{_show(target)}: is the current directory or one of its parents; "
                          "give a new folder name for the run")
    if target.exists():
        if not target.is_dir():
            raise OutputError(f"{_show(target)}: exists and is not a directory; give a new "
                              "folder name for the run")
        if not is_run_dir(target):
            others = sorted(p.name for p in target.iterdir() if p.name not in RUN_FILES)
            listed = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            why = f"holds {listed}" if others else "has no run.json"
            raise OutputError(f"{_show(target)}: exists and is not a premia run ({why}); "
                              "give a new folder name for the run")
    _check_parent(target)
    return target


def check_output_file(path: str | Path) -> Path:
    """Raise :class:`OutputError` unless a file may be written to ``path``.

    Allowed: a path that does not exist (its parents are created) or a regular file,
    which is replaced.
    """
    target = Path(path)
    if target.is_symlink():
        raise OutputError(f"{_show(target)}: is a symbolic link; give the file itself or a "
                          "new name")
    if target.exists() and not target.is_file():
        what = "a directory" if target.is_dir() else "not a regular file"
        raise OutputError(f"{_show(target)}: is {what}; give a file name")
    if str(path) in ("", ".", ".."):
        raise OutputError(f"{_show(target)}: is not a file name")
    _check_parent(target)
    return target


def check_output_dir(path: str | Path) -> Path:
    """Raise :class:`OutputError` unless files may be added to the folder ``path``
    (an existing folder, or a path that does not exist yet)."""
    target = Path(path)
    if target.is_symlink() and not target.exists():
        raise OutputError(f"{_show(target)}: is a dangling symbolic link")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{_show(target)}: exists and is not a directory")
    if target.is_dir():
        if not os.access(target, os.W_OK | os.X_OK):
            raise OutputError(f"{_show(target)}: cannot write here (permission denied)")
        return target
    _check_parent(target)
    return target


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (temporaries of dead writers may go)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(target: Path) -> int:
    """Remove the hidden siblings ``.NAME.tmp-PID-*`` and ``.NAME.old-PID`` that killed
    saves of ``target`` left behind (only those of processes no longer alive)."""
    removed = 0
    for p in target.parent.glob(f".{target.name}.*"):
        tag = p.name[len(target.name) + 2:]
        kind, _, rest = tag.partition("-")
        pid = rest.split("-")[0]
        if kind in ("tmp", "old") and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed += 1
    return removed


def nonfinite_columns(tables: dict[str, pa.Table]) -> list[str]:
    """``table.column`` names of the numeric columns that hold NaN or infinite values."""
    return [f"{name}.{col}" for name, table in tables.items() for col in table.column_names
            if pa.types.is_floating(table[col].type)
            and pc.any(pc.invert(pc.is_finite(table[col]))).as_py()]


@dataclass(repr=False)
class Results:
    """The tables of one run and its metadata.

    Example:
        >>> import premia
        >>> res = premia.simulate(premia.load_scenario("scenarios/minimal.toml",
        ...                                            {"scenario.periods": 6}), seed=1)
        >>> sorted(res.categories["category"].unique())
        ['embroidery', 'goods', 'phones']
    """

    tables: dict[str, pa.Table]
    meta: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            return self.tables[name].to_pandas()
        raise AttributeError(name)

    def frame(self, name: str) -> pd.DataFrame:
        """A table as a pandas DataFrame."""
        return self.tables[name].to_pandas()

    def check_finite(self) -> None:
        """Raise :class:`NonFiniteError` naming the columns that hold NaN or inf."""
        bad = nonfinite_columns(self.tables)
        if bad:
            shown = ", ".join(bad[:4]) + (f" and {len(bad) - 4} more" if len(bad) > 4 else "")
            name = self.meta.get("scenario", {}).get("scenario", {}).get("name", "the run")
            raise NonFiniteError(f"{name}: the run produced NaN or infinite values in "
                                 f"{shown}; nothing was saved (look for extreme values in "
                                 "the scenario)")

    def __repr__(self) -> str:
        from premia.display import run_summary

        return run_summary(self)

    def _repr_html_(self) -> str:
        from premia.display import run_summary_html

        return run_summary_html(self)

    def plot(self, column: str = "mean_markup", **kwargs: Any) -> Any:
        """A plotly figure of one column over time, a panel per entity.

        Args:
            column: e.g. ``mean_markup``, ``price_index``, ``poverty_headcount``,
                ``accepting_share``, ``followers``.
            **kwargs: ``table``, ``entities``, ``agg``, ``lang``, ``title`` as in
                :func:`premia.plots.timeseries`.

        Example:
            >>> res.plot("mean_income", entities=["guizhou"])   # doctest: +SKIP
        """
        from premia.plots import timeseries

        return timeseries(self, column, **kwargs)

    def save(self, directory: str | Path) -> Path:
        """Write the run atomically: into a temporary sibling, then rename.

        Only a new path or an earlier run is written (see :func:`check_run_dir`). An
        earlier run of the same name is replaced only once the new one is complete, so a
        crash never leaves a half-written run; hidden leftovers of killed saves are removed
        on the next save. Folders get the usual permissions (``0777`` less the umask).

        Raises:
            OutputError: the path is not allowed or cannot be written (nothing touched).
            NonFiniteError: a table holds NaN or infinite values (nothing written).
        """
        target = check_run_dir(directory)
        self.check_finite()
        tmp: Path | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            clean_stale(target)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-",
                                        dir=target.parent))
            os.chmod(tmp, 0o777 & ~_umask())
            for name in self.tables:
                pq.write_table(self.tables[name], tmp / f"{name}.parquet")
            (tmp / "run.json").write_text(json.dumps(self.meta, indent=2, ensure_ascii=False))
            if target.exists():
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old)
            else:
                tmp.rename(target)
        except OSError as exc:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise OutputError(f"{_show(target)}: cannot write the run "
                              f"({exc.strerror or type(exc).__name__})") from None
        except BaseException:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read a run directory written by :meth:`save`."""
        from premia.model.budget import PUBLIC_SCHEMA

        d = Path(directory)
        tables = {name: pq.read_table(d / f"{name}.parquet") for name in TABLES
                  if name != "public" or (d / f"{name}.parquet").exists()}
        tables.setdefault("public", PUBLIC_SCHEMA.empty_table())
        return cls(tables=tables, meta=json.loads((d / "run.json").read_text()))
