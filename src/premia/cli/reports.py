"""``premia report``, ``premia demo`` and ``premia dashboard``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from premia.cli.common import BadInputError, app, console, err_console, guarded, progress_bar

LANGS = ("en", "zh")


def _langs(lang: str) -> tuple[str, ...]:
    if lang == "both":
        return LANGS
    if lang not in LANGS:
        raise BadInputError(f"--lang {lang!r}: allowed are zh, en or both")
    return (lang,)


def _targets(out: Path, names: list[str]) -> None:
    """Refuse, before any work, an output folder or report file premia may not write."""
    from premia.results import check_output_dir, check_output_file

    check_output_dir(out)
    for name in names:
        check_output_file(out / name)


def _claims_reports(check_data: dict, source: str, langs: tuple[str, ...], out: Path,
                    seed: int, periods: int | None, workers: int) -> list[Path]:
    from premia.report import ReportError, claim_runs, claims_report, parse_check, write_atomic

    _targets(out, [f"report.{lang}.html" for lang in langs])
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


def _labels(runs: list[Path], labels: list[str] | None) -> list[str]:
    if labels and len(labels) != len(runs):
        raise BadInputError(f"--label given {len(labels)} times for {len(runs)} runs: "
                            "give one label per --run, or none")
    out = list(labels) if labels else [p.name or str(p) for p in runs]
    if len(set(out)) < len(out):
        out = [str(p) for p in runs] if not labels else out
    if len(set(out)) < len(out):
        raise BadInputError(f"--label: labels must differ ({', '.join(out)})")
    return out


def load_runs(runs: list[Path], labels: list[str] | None) -> dict[str, Any]:
    """``{label: Results}`` of saved run directories (bad input on unreadable ones)."""
    from premia.report import ReportError, load_run

    out = {}
    for label, path in zip(_labels(runs, labels), runs, strict=True):
        try:
            out[label] = load_run(path)
        except ReportError as exc:
            raise BadInputError(str(exc)) from None
    return out


RunOption = Annotated[list[Path] | None, typer.Option(
    "--run", help="saved run directory (repeat to compare runs side by side)")]
LabelOption = Annotated[list[str] | None, typer.Option(
    "--label", help="a name for each --run, in order (default: the folder names)")]


@app.command()
@guarded
def report(
    lang: Annotated[str, typer.Option(help="zh, en or both")] = "both",
    from_: Annotated[Path | None, typer.Option("--from", help="check JSON to report")] = None,
    run: RunOption = None,
    label: LabelOption = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("out"),
    seed: Annotated[int, typer.Option(help="seed of the figure runs")] = 1,
    periods: Annotated[int | None, typer.Option(help="length of the figure runs")] = None,
    workers: Annotated[int, typer.Option(help="processes for the figure runs")] = 1,
) -> None:
    """Write a self-contained HTML report: the claims of a check JSON, or saved runs
    (several --run: side by side)."""
    from premia.report import runs_report, write_atomic

    langs = _langs(lang)
    if from_ is not None and run:
        raise BadInputError("give either --from CHECK.json or --run DIR, not both")
    if label and not run:
        raise BadInputError("--label names the runs of --run DIR; give --run too")
    if periods is not None and not 1 <= periods <= 2400:
        raise BadInputError(f"--periods {periods}: allowed are 1..2400")
    start = time.perf_counter()
    if run:
        _targets(out, [f"run-report.{lg}.html" for lg in langs])
        runs = load_runs(run, label)
        sources = {lb: str(p) for lb, p in zip(runs, run, strict=True)}
        paths = [write_atomic(out / f"run-report.{lg}.html",
                              runs_report(runs, lg, sys.argv, sources)) for lg in langs]
        for lb, res in runs.items():
            _warn_deaths(res, lb if len(runs) > 1 else None)
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


def _warn_deaths(res: Any, label: str | None) -> None:
    from premia.metrics import dead_categories, death_warning

    for death in dead_categories(res):
        prefix = f"{label}: " if label else ""
        err_console.print(f"warning: {prefix}{death_warning(death)}", markup=False,
                          highlight=False, soft_wrap=True)


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
    _targets(out, ["check.json", *(f"report.{lang}.html" for lang in LANGS)])
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
    files: Annotated[list[Path] | None, typer.Argument(
        help="scenario files to offer first (besides the shipped ones and uploads)")] = None,
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8501,
) -> None:
    """Start the interactive dashboard (Streamlit) on HOST:PORT, on the shipped scenarios
    and any scenario FILE given."""
    if not 1 <= port <= 65535:
        raise BadInputError(f"--port {port}: allowed are 1..65535")
    import ipaddress

    from premia.catalog import resolve
    from premia.cli.common import load
    from premia.dashboard import streamlit_command

    paths = [resolve(f) for f in files or []]
    for f in files or []:
        load(f)  # a file that does not validate is bad input here, before serving
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        err_console.print(f"warning: --host {host} makes the dashboard reachable from other "
                          "machines, without a password; anyone who reaches it can start runs "
                          "on this machine", markup=False, highlight=False, soft_wrap=True)
    console.print(f"dashboard on http://{host}:{port}  (Ctrl+C to stop)")
    code = _serve(streamlit_command(host, port, paths))
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


def _cell(value: Any) -> str:
    from premia.report.runs import _fmt

    return _fmt(value)


@app.command()
@guarded
def compare(
    runs: Annotated[list[Path], typer.Argument(help="saved run directories (two or more)")],
    label: LabelOption = None,
    csv: Annotated[Path | None, typer.Option(help="also write the long-run table as CSV")] = None,
) -> None:
    """Compare saved runs: what differs between their scenarios and their long-run values."""
    from rich.table import Table

    from premia.compare import differences, side_by_side
    from premia.metrics import long_run_text

    if len(runs) < 2:
        raise BadInputError("give at least two run directories to compare")
    loaded = load_runs(runs, label)
    listing = Table(title="runs")
    for col in ("label", "scenario", "seed", "periods", "directory"):
        listing.add_column(col)
    for (lb, res), path in zip(loaded.items(), runs, strict=True):
        sc = res.meta.get("scenario", {}).get("scenario", {})
        listing.add_row(lb, str(sc.get("name", "?")), str(res.meta.get("seed", "?")),
                        str(sc.get("periods", "?")), str(path))
    console.print(listing)
    diff = differences(loaded)
    if diff.empty:
        console.print("the runs' scenarios and seeds are identical")
    else:
        table = Table(title="what differs between the runs")
        for col in diff.columns:
            table.add_column(col, justify="left" if col == "path" else "right")
        for _, row in diff.iterrows():
            table.add_row(str(row["path"]), *[_cell(row[lb]) for lb in loaded])
        console.print(table)
    values = side_by_side(loaded)
    first = next(iter(loaded.values()))
    console.print(f"{long_run_text(first.categories)}; firms, workshops: last month; "
                  "died: month the last firm exited", markup=False, highlight=False)
    table = Table(title="long-run values")
    for col in values.columns:
        table.add_column(col, justify="right" if col in loaded else "left")
    for _, row in values.iterrows():
        table.add_row(row["table"], row["entity"], row["measure"],
                      *[_cell(row[lb]) for lb in loaded])
    console.print(table)
    for lb, res in loaded.items():
        _warn_deaths(res, lb)
    if csv is not None:
        import pyarrow as pa

        from premia.experiments.store import write_table_atomic

        write_table_atomic(pa.Table.from_pandas(values.astype({lb: "float64" for lb in loaded}),
                                                preserve_index=False), csv, "csv")
        console.print(f"written: {csv}")


@app.command()
@guarded
def show(
    file: Annotated[Path, typer.Argument(help="scenario file or shipped scenario name")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="override PATH=VALUE (repeatable)")] = None,
    section: Annotated[str | None, typer.Option(
        help="only this section: scenario, consumers, region, culture, category, firms, "
             "creator or event")] = None,
    csv: Annotated[Path | None, typer.Option(help="also write the table as CSV")] = None,
) -> None:
    """Print a scenario's parameters with their units, defaults and meanings (firms:
    capacity is handmade; effective capacity includes machines)."""
    from rich.table import Table

    from premia.cli.common import load

    sc = load(file, set_)
    frame = sc.table()
    sections = list(dict.fromkeys(frame.section))
    if section is not None:
        if section not in sections:
            raise BadInputError(f"--section {section!r}: allowed are {', '.join(sections)}")
        frame = frame[frame.section == section]
    table = Table(title=f"{file}: {sc.scenario.name} ({sc.scenario.title})")
    for col, justify in (("path", "left"), ("value", "right"), ("unit", "left"),
                         ("default", "right"), ("meaning", "left")):
        table.add_column(col, justify=justify, overflow="fold", no_wrap=col in ("path", "unit"))
    for row in frame.itertuples():
        table.add_row(row.path, _cell(row.value), row.unit,
                      "" if row.default is None else _cell(row.default), row.meaning)
    console.print(table)
    if csv is not None:
        import pyarrow as pa

        from premia.experiments.store import write_table_atomic

        text = frame.astype({"value": str, "default": str})
        write_table_atomic(pa.Table.from_pandas(text, preserve_index=False), csv, "csv")
        console.print(f"written: {csv}")
