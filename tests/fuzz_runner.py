"""The fuzz runner: mutated scenario files through ``premia validate``, ``premia run`` and
the API, each in a forked child.

The contract, for every case and each of the three: a clean error (exit code 2, every
stderr line ``error: ...``, no traceback; from the API a :class:`ScenarioError` whose
lines are not empty) or a valid run whose saved tables are finite. Anything else (a
traceback, another exit code, a crash, NaN or inf in the tables, more than the time limit)
is reported with the case's mutations.

Each case runs in a child forked from a warmed-up, single-threaded server process, under
a 5 GiB address-space cap (``ulimit -v``, as the memory guard must expect) and a time
limit. ``workers`` servers (at most 2) take the cases in turn. The cases come from
:mod:`fuzz_cases` (seeded: the same cases on every run). Used by ``tests/test_fuzz.py``
and ``benchmarks/fuzz.py``.
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
from multiprocessing.connection import wait
from pathlib import Path

from fuzz_cases import Case, bases, make_case

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


def fuzz(n: int, seed: int, root: Path, workers: int = 1,
         progress=None) -> list[tuple[Case, dict[str, str]]]:
    """Run ``n`` cases on ``workers`` fork servers (1 or 2); returns each case with its
    outcome per target, in case order. ``progress(done, n, case, outcomes)`` is called
    after each case."""
    ctx = multiprocessing.get_context("spawn")
    servers = []
    for _ in range(max(1, min(workers, 2))):
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(theirs, str(root)), daemon=True)
        proc.start()
        servers.append((proc, ours))
    for _, conn in servers:
        assert conn.recv() == "ready"
    scenarios = bases()
    cases = (make_case(seed, i, scenarios) for i in range(n))
    out: dict[int, tuple[Case, dict[str, str]]] = {}
    busy: dict[object, Case] = {}
    try:
        for _, conn in servers:
            _send(conn, next(cases, None), busy)
        while busy:
            for conn in wait(list(busy)):
                case = busy.pop(conn)
                out[case.index] = (case, conn.recv())
                if progress is not None:
                    progress(len(out), n, *out[case.index])
                _send(conn, next(cases, None), busy)
    finally:
        for proc, conn in servers:
            conn.send(None)
            proc.join(timeout=30)
    return [out[i] for i in sorted(out)]


def _send(conn, case: Case | None, busy: dict) -> None:
    if case is not None:
        conn.send({"text": case.text, "sets": case.sets, "overrides": case.overrides})
        busy[conn] = case


def table(results: list[tuple[Case, dict[str, str]]]) -> str:
    """The outcomes as a Markdown table: tried / clean error / valid / anything else."""
    rows = ["| target | tried | clean error | valid | anything else |", "|---|---|---|---|---|"]
    for target, c in counts(results).items():
        rows.append(f"| {target} | {c['tried']} | {c['error']} | {c['valid']} | {c['other']} |")
    return "\n".join(rows)


def counts(results: list[tuple[Case, dict[str, str]]]) -> dict[str, dict[str, int]]:
    """Per target: tried, error (clean), valid and other (anything else)."""
    out = {}
    for target in TARGETS:
        c = Counter(o[target].split(":")[0] for _, o in results)
        out[target] = {"tried": len(results), "error": c["error"], "valid": c["valid"],
                       "other": c["other"]}
    return out


def broken(results: list[tuple[Case, dict[str, str]]]) -> list[str]:
    """One line per outcome that breaks the contract: the case, the target and why."""
    return [f"{case.describe()} -> {target}: {outcome}" for case, outcomes in results
            for target, outcome in outcomes.items() if outcome.startswith("other")]
