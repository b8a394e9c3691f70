"""Fuzz: mutated scenario files through ``premia validate``, ``premia run`` and the API.

For every case and each of the three, a clean error (exit code 2, one ``error: ...`` line
per problem, no traceback) or a valid run with finite tables (see :mod:`fuzz_runner`).
Anything else fails the test, which lists the cases with their mutations.

CI runs 300 cases. ``PREMIA_FUZZ_CASES=2360`` runs more, ``PREMIA_FUZZ_SEED`` picks
another seed, ``PREMIA_FUZZ_WORKERS=2`` runs two fork servers and ``PREMIA_FUZZ_REPORT=FILE``
writes the table of outcomes as Markdown. ``benchmarks/fuzz.py`` runs the same cases and
prints the table (and JSON).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from fuzz_runner import TARGETS, broken, fuzz, table

CASES = int(os.environ.get("PREMIA_FUZZ_CASES", "300"))
SEED = int(os.environ.get("PREMIA_FUZZ_SEED", "15"))
WORKERS = int(os.environ.get("PREMIA_FUZZ_WORKERS", "1"))


def test_fuzzed_scenarios_give_a_clean_error_or_a_finite_run(tmp_path):
    start = time.perf_counter()
    results = fuzz(CASES, SEED, tmp_path, WORKERS)
    report = table(results)
    print(f"\n{report}\n({CASES} cases, seed {SEED}, {time.perf_counter() - start:.0f} s)")
    if os.environ.get("PREMIA_FUZZ_REPORT"):
        Path(os.environ["PREMIA_FUZZ_REPORT"]).write_text(report + "\n")
    assert [case.index for case, _ in results] == list(range(CASES))
    bad = broken(results)
    assert not bad, f"{len(bad)} outcomes break the contract:\n" + "\n".join(bad[:30])
    counts = Counter(o[t].split(":")[0] for _, o in results for t in TARGETS)
    assert counts["error"] > 0 and counts["valid"] > 0, counts  # the cases span both


def test_the_fuzz_script_prints_the_table_and_writes_json(tmp_path):
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"
    out = tmp_path / "fuzz.json"
    proc = subprocess.run([sys.executable, str(script), "--cases", "6", "--workers", "1",
                           "--json", str(out), "--markdown", str(tmp_path / "fuzz.md")],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["cases"] == 6 and data["broken"] == []
    for target in TARGETS:
        c = data["counts"][target]
        assert c["tried"] == 6 == c["error"] + c["valid"] + c["other"] and c["other"] == 0
        assert f"| {target} | 6 | {c['error']} | {c['valid']} | 0 |" in proc.stdout
    assert (tmp_path / "fuzz.md").read_text().strip() in proc.stdout
