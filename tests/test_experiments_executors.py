"""The same sweep gives identical tables on every executor and worker count."""

from __future__ import annotations

import os

import pyarrow.parquet as pq
from conftest import MINIMAL

from premia.experiments.store import Store
from premia.experiments.sweep import sweep
from premia.results import TABLES

DESIGN = {"values": {"category.embroidery.authenticity_loss": [0.2, 0.9]}, "seeds": 2,
          "overrides": {"scenario.periods": 6, "scenario.consumers": 200}}


def tables(store) -> dict[tuple[str, str], object]:
    out = {}
    for rec in store.records():
        assert rec["status"] == "done", rec["error"]
        for name in TABLES:
            out[(rec["run_id"], name)] = pq.read_table(store.run_dir / rec["run_id"]
                                                       / f"{name}.parquet")
    return out


def test_local_and_dask_sweeps_are_bit_identical(tmp_path):
    local = tables(sweep(MINIMAL, store=tmp_path / "local", executor="local", workers=2,
                         **DESIGN))
    dask = tables(sweep(MINIMAL, store=tmp_path / "dask", executor="dask", workers=2,
                        **DESIGN))
    serial = tables(sweep(MINIMAL, store=tmp_path / "serial", executor="serial", **DESIGN))
    assert len(local) == 4 * len(TABLES)
    assert local.keys() == dask.keys() == serial.keys()
    for key, table in local.items():
        assert table.equals(dask[key]), key
        assert table.equals(serial[key]), key
    for name in ("local", "dask"):
        pids = {r["pid"] for r in Store(tmp_path / name).records()}
        assert os.getpid() not in pids, f"{name} ran in the test process"
