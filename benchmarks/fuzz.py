"""The fuzz run: seeded mutations of the shipped scenarios through ``premia validate``,
``premia run`` and the API, and the table of outcomes.

Each case is a shipped scenario made small (24 periods, 200 consumers) with one to three
mutations (values, keys, entries, events, ``[[question]]`` tables, damaged text, ``--set``
overrides; ``tests/fuzz_cases.py``). For each of validate, run and the API the table counts
the cases tried, the clean errors (exit 2, one ``error:`` line per problem), the valid runs
with finite tables and anything else (tracebacks, other exit codes, crashes, non-finite
tables, more than the time limit), which must be 0. Each case runs in a forked child under
a 5 GiB address-space cap (``tests/fuzz_runner.py``). Exit code 1 when anything else
happened, with those cases listed.

Usage::

    nice -n 5 .venv/bin/python benchmarks/fuzz.py [--cases 2360] [--seed 15]
        [--workers 2] [--json FILE] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one core per worker, set before any import
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import machine, write_json  # noqa: E402
from fuzz_runner import broken, counts, fuzz, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the cases, print the table (and the cases that break the contract)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2360)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2, choices=[1, 2],
                    help="fork servers running cases side by side (at most 2)")
    ap.add_argument("--json", help="write the counts and the broken cases to this file")
    ap.add_argument("--markdown", help="write the table to this file")
    args = ap.parse_args(argv)
    start = time.perf_counter()

    def progress(done: int, total: int, case, outcomes: dict[str, str]) -> None:
        for target, outcome in outcomes.items():
            if outcome.startswith("other"):
                print(f"{case.describe()} -> {target}: {outcome}", file=sys.stderr, flush=True)
        if done % 100 == 0 or done == total:
            print(f"{done}/{total} cases, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="premia-fuzz-") as root:
        results = fuzz(args.cases, args.seed, Path(root), args.workers, progress)
    wall = time.perf_counter() - start
    report = table(results)
    bad = broken(results)
    print(report)
    print(f"({args.cases} cases, seed {args.seed}, {args.workers} workers, {wall:.0f} s)")
    for line in bad:
        print(line)
    if args.markdown:
        Path(args.markdown).write_text(report + "\n")
    write_json(args.json, {"cases": args.cases, "seed": args.seed, "workers": args.workers,
                           "wall_s": wall, "counts": counts(results), "broken": bad,
                           "machine": machine()})
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
