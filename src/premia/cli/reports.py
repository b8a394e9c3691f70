"""``premia report``, ``premia demo`` and ``premia dashboard``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from premia.cli.common import BadInputError, app, console, guarded, progress_bar

LANGS = ("en", "zh")


def _langs(lang: str) -> tuple[str, ...]:
    if lang == "both":
        return LANGS
    if lang not in LANGS:
        raise BadInputError(f"--lang {lang!r}: allowed are zh, en or both")
    return (lang,)


def _claims_reports(check_data: dict, source: str, langs: tuple[str, ...], out: Path,
                    seed: int, periods: int | None, workers: int) -> list[Path]:
    from premia.report import ReportError, claim_runs, claims_report, parse_check, write_atomic

    try:
        report = parse_check(check_data, source)
    except ReportError as exc:
        raise BadInputError(str(exc)) from None
    ids = [c.key for c in report.claims]
    with progress_bar("figure runs") as advance:
        runs = claim_runs(ids, seed=seed, periods=periods, workers=workers, progress=advance,
                          overrides=report.meta.get("overrides"),
                          scenarios=report.meta.get("scenarios"))
    return [write_atomic(out / f"report.{lang}.html",
                         claims_report(report, runs, lang, seed=seed, command=sys.argv))
            for lang in langs]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{path}: not a readable JSON file ({exc})") from None


@app.command()
@guarded
def report(
    lang: Annotated[str, typer.Option(help="zh, en or both")] = "both",
    from_: Annotated[Path | None, typer.Option("--from", help="check JSON to report")] = None,
    run: Annotated[Path | None, typer.Option(help="saved run directory to report")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("out"),
    seed: Annotated[int, typer.Option(help="seed of the figure runs")] = 1,
    periods: Annotated[int | None, typer.Option(help="length of the figure runs")] = None,
    workers: Annotated[int, typer.Option(help="processes for the figure runs")] = 1,
) -> None:
    """Write a self-contained HTML report (claims from a check JSON, or one saved run)."""
    from premia.report import ReportError, load_run, run_report, write_atomic

    langs = _langs(lang)
    if from_ is not None and run is not None:
        raise BadInputError("give either --from CHECK.json or --run DIR, not both")
    if periods is not None and not 1 <= periods <= 2400:
        raise BadInputError(f"--periods {periods}: allowed are 1..2400")
    start = time.perf_counter()
    if run is not None:
        try:
            res = load_run(run)
        except ReportError as exc:
            raise BadInputError(str(exc)) from None
        paths = [write_atomic(out / f"run-report.{lg}.html", run_report(res, lg, sys.argv))
                 for lg in langs]
    else:
        source = from_ if from_ is not None else out / "check.json"
        if from_ is None and not source.exists():
            raise BadInputError(f"{source}: no such file; give --from CHECK.json or --run DIR "
                                "(or run premia demo first)")
        paths = _claims_reports(_read_json(source), str(source), langs, out, seed, periods,
                                max(1, workers))
    for p in paths:
        console.print(str(p))
    console.print(f"report written in {time.perf_counter() - start:.1f} s")


@app.command()
@guarded
def demo(
    seeds: Annotated[int, typer.Option(help="seeds per claim")] = 10,
    workers: Annotated[int | None, typer.Option(help="processes (default: CPU count)")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("out"),
    periods: Annotated[int | None, typer.Option(help="run length (default: scenarios')")] = None,
) -> None:
    """Check all eight claims, then write the report in Chinese and English."""
    from premia.claims import check
    from premia.report import write_atomic

    if seeds < 1:
        raise BadInputError(f"--seeds {seeds}: must be at least 1")
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers < 1:
        raise BadInputError(f"--workers {n_workers}: must be at least 1")
    start = time.perf_counter()
    with progress_bar(f"checking claims ({seeds} seeds)") as advance:
        result = check(seeds=seeds, workers=n_workers, progress=advance, periods=periods)
    data = result.to_json()
    check_path = write_atomic(out / "check.json", json.dumps(data, indent=2, ensure_ascii=False))
    checked = time.perf_counter() - start
    paths = _claims_reports(data, str(check_path), LANGS, out, 1, periods, n_workers)
    total = time.perf_counter() - start
    for c in data["claims"]:
        console.print(f"{c['id']}: {c['verdict']}  effect {c['effect']:.3g}  "
                      f"[{c['ci'][0]:.3g}, {c['ci'][1]:.3g}]")
    for p in (check_path, *paths):
        console.print(str(p))
    console.print(f"check {checked:.1f} s, reports {total - checked:.1f} s, total {total:.1f} s "
                  f"({seeds} seeds, {n_workers} workers)")


@app.command()
@guarded
def dashboard(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8501,
) -> None:
    """Start the interactive dashboard (Streamlit) on HOST:PORT."""
    if not 1 <= port <= 65535:
        raise BadInputError(f"--port {port}: allowed are 1..65535")
    from premia.dashboard import streamlit_command

    console.print(f"dashboard on http://{host}:{port}  (Ctrl+C to stop)")
    code = _serve(streamlit_command(host, port))
    if code not in (0, -signal.SIGTERM, -signal.SIGINT):
        raise typer.Exit(code=1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _serve(command: list[str]) -> int:
    """Run the server as a child and stop it when we are interrupted or terminated."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    proc = subprocess.Popen(command)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
