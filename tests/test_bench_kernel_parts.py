"""benchmarks/kernel_parts.py: its ablations still match the kernel's source, an unedited
copy computes what premia computes, and the variant with every part removed still runs."""

from __future__ import annotations

import sys
from pathlib import Path

import numba
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import kernel_parts
from common import synthetic_market

from premia.model.demand import expected_demand


def test_every_ablation_applies_exactly_once(tmp_path):
    for number, edits in enumerate(kernel_parts.variants().values()):
        kernel_parts.build_variant(tmp_path, f"check{number}", edits)  # exits if stale
    assert (tmp_path / "check0" / "demand.py").read_text() != (
        tmp_path / f"check{number}" / "demand.py").read_text()


def test_a_stale_ablation_stops_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="no longer contains"):
        kernel_parts.build_variant(tmp_path, "stale", [("demand", "no such text", "")])


def test_copies_compile_and_the_unedited_one_is_premia(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    chosen = {k: v for k, v in kernel_parts.variants().items()
              if k in ("full kernel", "exponentials and their sum only")}
    kernels = kernel_parts.load_variants(tmp_path, chosen)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        times = kernel_parts.paired_times(kernels, 700, 12, rounds=2)
    finally:
        numba.set_num_threads(threads)
    assert all(len(t) == 2 and min(t) > 0 for t in times.values())
    offer, people = synthetic_market(700, 12, 3, cultures=3)
    want = expected_demand(offer, people, 0.0)
    want_bought = people.bought.copy()
    full = kernels["full kernel"]
    got = full.expected_demand(full.Offer(**vars(offer)), people, 0.0)
    assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    assert np.array_equal(people.bought, want_bought)
