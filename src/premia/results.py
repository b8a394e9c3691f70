"""Results of one run: Arrow tables, pandas access, atomic Parquet I/O.

A run directory holds ``firms.parquet``, ``categories.parquet``, ``cultures.parquet``,
``regions.parquet``, ``creators.parquet``, ``public.parquet`` (public spending by account
and instrument) and ``run.json`` (the scenario as run, seed, package versions and wall
time).
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
import pyarrow.parquet as pq

TABLES = ("firms", "categories", "cultures", "regions", "creators", "public")


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

        An existing directory of the same name is replaced only once the new one is
        complete, so a crash never leaves a half-written run.
        """
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            for name in TABLES:
                pq.write_table(self.tables[name], tmp / f"{name}.parquet")
            (tmp / "run.json").write_text(json.dumps(self.meta, indent=2, ensure_ascii=False))
            if target.exists():
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old)
            else:
                tmp.rename(target)
        except BaseException:
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
