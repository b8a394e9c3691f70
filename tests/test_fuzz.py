"""Fuzz: mutated scenario files through ``premia validate``, ``premia run`` and the API.

The contract, for every case and each of the three: a clean error (exit code 2, every
stderr line ``error: ...``, no traceback; from the API a :class:`ScenarioError` whose
lines are not empty) or a valid run whose saved tables are finite. Anything else (a
traceback, another exit code, a crash, NaN or inf in the tables, more than the time limit)
fails the test, which lists the cases with their mutations.

Each case runs in a child forked from a warmed-up, single-threaded server process, under
a 5 GiB address-space cap (``ulimit -v``, as the memory guard must expect) and a time
limit. The cases come from :mod:`fuzz_cases` (seeded: the same cases on every run).

CI runs 300 cases. ``PREMIA_FUZZ_CASES=2360`` runs more, ``PREMIA_FUZZ_SEED`` picks
another seed, and ``PREMIA_FUZZ_REPORT=FILE`` writes the table of outcomes as Markdown.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from fuzz_cases import Case, bases, make_case

CASES = int(os.environ.get("PREMIA_FUZZ_CASES", "300"))
SEED = int(os.environ.get("PREMIA_FUZZ_SEED", "15"))
CAP = 5 << 30  # bytes of address space per child, as in the audit
LIMIT = float(os.environ.get("PREMIA_FUZZ_SECONDS", "120"))  # seconds per child
TARGETS = ("validate", "run", "api")


def _finite(folder: Path) -> list[str]:
    from premia.results import Results, nonfinite_columns

    return nonfinite_columns(Results.load(folder).tables)


def _cli(args: list[str], out: Path | None) -> dict[str, object]:
    from premia.cli import main

    sys.argv = ["premia", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    result: dict[str, object] = {"code": code}
    if code == 0 and out is not None:
        result["nonfinite"] = _finite(out)
    return result


def _api(path: Path, overrides: dict) -> dict[str, object]:
    import premia
    from premia.loading import ScenarioError
    from premia.results import nonfinite_columns

    try:
        res = premia.simulate(premia.load_scenario(path, overrides))
    except ScenarioError as exc:
        return {"code": 2, "message": str(exc)}
    return {"code": 0, "nonfinite": nonfinite_columns(res.tables)}


def _child(target: str, case: dict, work: Path) -> None:
    """In the forked child: cap memory, run one target, leave ``result.json``; never
    returns."""
    code = 3
    try:
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))
        err = os.open(work / "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(err, 2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        path = work / "scenario.toml"
        sets = [a for s in case["sets"] for a in ("--set", s)]
        if target == "validate":
            result = _cli(["validate", str(path), *sets], None)
        elif target == "run":
            result = _cli(["run", str(path), *sets, "--out", str(work / "out")], work / "out")
        else:
            result = _api(path, case["overrides"])
        (work / "result.json").write_text(json.dumps(result, default=str))
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def _classify(target: str, work: Path, status: int | None) -> str:
    """``error``, ``valid`` or ``other: why``."""
    if status is None:
        return f"other: over {LIMIT:.0f} s"
    if os.WIFSIGNALED(status):
        return f"other: killed by {signal.Signals(os.WTERMSIG(status)).name}"
    stderr = (work / "stderr").read_text(errors="replace")
    if "Traceback" in stderr or not (work / "result.json").exists():
        return "other: traceback " + (stderr.strip().splitlines() or ["?"])[-1][:100]
    result = json.loads((work / "result.json").read_text())
    if result["code"] == 0:
        bad = result.get("nonfinite") or []
        return f"other: non-finite {bad[:3]}" if bad else "valid"
    if result["code"] != 2:
        return f"other: exit {result['code']}"
    lines = (str(result["message"]) if target == "api" else stderr).strip("\n").split("\n")
    prefix = "" if target == "api" else "error: "
    if not lines or not all(line.startswith(prefix) and line.strip() for line in lines):
        return "other: not one line per error " + repr(lines[:2])[:100]
    return "error"


def _serve(conn, root: str) -> None:
    """The fork server: warm up once, then run each case's targets in forked children."""
    import premia
    from premia.catalog import resolve
    from premia.cli import build

    build()  # import every command module before forking

    for name, extra in (("minimal", {}), ("minimal", {"scenario.pricing": "nash"}),
                        ("minimal", {"scenario.demand": "sampled"}), ("village-creator", {})):
        overrides = {"scenario.periods": 3, "scenario.consumers": 50, **extra}
        premia.simulate(premia.load_scenario(resolve(name), overrides))
    conn.send("ready")
    while (case := conn.recv()) is not None:
        outcomes = {}
        for target in TARGETS:
            work = Path(tempfile.mkdtemp(dir=root))
            (work / "scenario.toml").write_bytes(case["text"])
            pid = os.fork()
            if pid == 0:
                _child(target, case, work)
            status, deadline = None, time.monotonic() + LIMIT
            while time.monotonic() < deadline:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
                    break
                time.sleep(0.005)
            if status is None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            outcomes[target] = _classify(target, work, status)
            shutil.rmtree(work, ignore_errors=True)
        conn.send(outcomes)


def fuzz(n: int, seed: int, root: Path) -> list[tuple[Case, dict[str, str]]]:
    """Run ``n`` cases; returns each case with its outcome per target."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(theirs, str(root)), daemon=True)
    server.start()
    assert ours.recv() == "ready"
    scenarios = bases()
    out = []
    try:
        for i in range(n):
            case = make_case(seed, i, scenarios)
            ours.send({"text": case.text, "sets": case.sets, "overrides": case.overrides})
            out.append((case, ours.recv()))
    finally:
        ours.send(None)
        server.join(timeout=30)
    return out


def table(results: list[tuple[Case, dict[str, str]]]) -> str:
    """The outcomes as a Markdown table: tried / clean error / valid / anything else."""
    rows = ["| target | tried | clean error | valid | anything else |", "|---|---|---|---|---|"]
    for target in TARGETS:
        counts = Counter(o[target].split(":")[0] for _, o in results)
        rows.append(f"| {target} | {len(results)} | {counts['error']} | {counts['valid']} | "
                    f"{counts['other']} |")
    return "\n".join(rows)


def test_fuzzed_scenarios_give_a_clean_error_or_a_finite_run(tmp_path):
    start = time.perf_counter()
    results = fuzz(CASES, SEED, tmp_path)
    report = table(results)
    print(f"\n{report}\n({CASES} cases, seed {SEED}, {time.perf_counter() - start:.0f} s)")
    if os.environ.get("PREMIA_FUZZ_REPORT"):
        Path(os.environ["PREMIA_FUZZ_REPORT"]).write_text(report + "\n")
    bad = [f"{case.describe()} -> {target}: {outcome}" for case, outcomes in results
           for target, outcome in outcomes.items() if outcome.startswith("other")]
    assert not bad, f"{len(bad)} outcomes break the contract:\n" + "\n".join(bad[:30])
    counts = Counter(o[t].split(":")[0] for _, o in results for t in TARGETS)
    assert counts["error"] > 0 and counts["valid"] > 0, counts  # the cases span both
