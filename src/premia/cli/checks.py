"""``premia check``: the essay's claims over several seeds, with verdicts."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from premia.cli.common import (
    BadInputError,
    Workers,
    app,
    console,
    guarded,
    progress_bar,
    workers_or_default,
)

VERDICT_STYLE = {"holds": "green", "fails": "red", "inconclusive": "yellow"}


def write_json_atomic(path: Path, document: dict) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False))


def write_text_atomic(path: Path, text: str) -> None:
    """Write text to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _verdict(verdict: str | None) -> str:
    if verdict is None:
        return "not run"
    style = VERDICT_STYLE[verdict]
    return f"[{style}]{verdict}[/{style}]"


def _num(x: float) -> str:
    return f"{x:.4g}"


def claims_table(report) -> Table:
    """A Rich table of the questions: one row each, with the essay's words (or the title),
    the verdict and the placebo's verdict (a sound measure does not hold on the placebo)."""
    table = Table(title="questions (the essay's claims: 原文 quoted)")
    for col in ("question", "essay (原文) / title", "effect", "95% interval", "verdict",
                "placebo"):
        table.add_column(col, overflow="fold")
    for res in report.claims:
        text = res.quote_zh or res.title_en
        text = text if len(text) <= 40 else text[:38] + "……"
        placebo = res.placebo["verdict"] if res.placebo else None
        table.add_row(res.ref, text, _num(res.effect),
                      f"[{_num(res.ci[0])}, {_num(res.ci[1])}]", _verdict(res.verdict),
                      _verdict(placebo))
    return table


def criteria_table(report) -> Table:
    """A Rich table of every criterion with its placebo's verdict (a question holds when all
    of its criteria hold)."""
    table = Table(title="criteria (descriptions: --json or --markdown)")
    for col in ("question", "criterion", "effect", "95% interval", "verdict", "placebo"):
        table.add_column(col)
    for res in report.claims:
        placebo = {c["name"]: c for c in (res.placebo or {}).get("criteria", [])}
        for crit in res.criteria:
            p = placebo.get(crit["name"])
            table.add_row(res.ref, crit["name"], _num(crit["effect"]),
                          f"[{_num(crit['ci'][0])}, {_num(crit['ci'][1])}]",
                          _verdict(crit["verdict"]), _verdict(p["verdict"] if p else None))
    return table


def facts_table(report) -> Table:
    """A Rich table of the stylized facts beside their references."""
    table = Table(title="stylized facts: model (long run) beside real figures")
    for col in ("kind", "measure", "model", "reference"):
        table.add_column(col)
    for f in report.stylized_facts:
        model = "not run" if f["model"] is None else f"{f['model']:.3f}"
        table.add_row(f["kind"], f["measure"], model, f["reference"])
    return table


def robustness_table(doc: dict) -> Table:
    """A Rich table of the share of the box where each question holds, and its drivers."""
    table = Table(title=f"robustness: {doc['n']} Latin-hypercube points of the assumptions, "
                        f"{doc['seeds']} seeds each")
    for col in ("question", "holds", "fails", "inconclusive", "parameters that move it most"):
        table.add_column(col)
    for c in doc["claims"]:
        shares = c["shares"]
        moved = ", ".join(f"{d['path']} ({d['rho']:+.2f})" for d in c["drivers"]) or "-"
        table.add_row(c["ref"], *(f"{shares[v]:.0%}" for v in ("holds", "fails",
                                                               "inconclusive")), moved)
    return table


def parse_scenarios(items: list[str] | None) -> dict[str, str]:
    """``["NAME=FILE", ...]`` -> ``{NAME: FILE}`` (the file must exist)."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, file = item.partition("=")
        if not sep or not name.strip() or not file.strip():
            raise BadInputError(f"--scenario {item!r}: expected NAME=FILE, e.g. "
                                "guizhou=my-guizhou.toml")
        if not Path(file.strip()).is_file():
            raise BadInputError(f"--scenario {item!r}: {file.strip()}: no such file")
        out[name.strip()] = file.strip()
    return out


def _validate_options(seeds: int, workers: int | None, periods: int | None) -> None:
    if seeds < 2:
        raise BadInputError("--seeds must be at least 2 (an interval needs two seeds)")
    if workers is not None and workers < 1:
        raise BadInputError("--workers must be at least 1")
    if periods is not None and not 1 <= periods <= 2400:
        raise BadInputError(f"--periods {periods}: allowed are 1..2400")


def run_check(claims: list[str] | None, seeds: int, workers: int | None,
              json_path: Path | None, markdown_path: Path | None = None,
              sets: list[str] | None = None, scenarios: list[str] | None = None,
              periods: int | None = None, placebo: bool = True, robust: int = 0,
              robust_seeds: int = 3, store: Path | None = None, executor: str = "local"):
    """Run the questions with a progress bar, print the tables and write the JSON."""
    from premia.claims import check
    from premia.cli.common import parse_sets
    from premia.questions.find import select

    _validate_options(seeds, workers, periods)
    workers = workers_or_default(workers)
    if robust < 0 or robust_seeds < 2:
        raise BadInputError("--robust must be >= 0 and --robust-seeds >= 2")
    files = parse_scenarios(scenarios)
    questions = [q.with_scenarios(files) for q in select(claims)]
    overrides = parse_sets(sets)
    total = len(questions) * seeds
    with progress_bar(f"checking {len(questions)} questions x {seeds} seeds", total) as adv:
        report = check(questions, seeds=seeds, workers=workers, overrides=overrides,
                       periods=periods, placebo=placebo, executor=executor, scenarios=files,
                       progress=lambda done, total: adv(done))
    document = report.to_json()
    console.print(claims_table(report))
    console.print(criteria_table(report))
    console.print(facts_table(report))
    for res in report.claims:
        for note in res.warnings:
            console.print(f"[yellow]{res.ref}: {note}[/yellow]")
    console.print(f"{len(questions)} questions x {seeds} seeds in "
                  f"{report.meta['wall_time_s']:.1f} s")
    if robust:
        document["robustness"] = run_robustness(questions, robust, robust_seeds, store,
                                                workers, executor, periods,
                                                overrides=overrides)
    if json_path is not None:
        write_json_atomic(json_path, document)
        console.print(f"results written to {json_path}")
    if markdown_path is not None:
        from premia.claims.markdown import claims_document

        write_text_atomic(markdown_path, claims_document(document))
        console.print(f"results written as Markdown to {markdown_path}")
    return report


def run_robustness(questions: list, n: int, seeds: int, store: Path | None, workers: int,
                   executor: str, periods: int | None, ranges: list | None = None,
                   overrides: dict | None = None) -> dict:
    """Run the robustness analysis with a progress bar and print its table."""
    from premia.experiments.robustness import robustness

    with progress_bar(f"robustness: {len(questions)} questions x {n} points x {seeds} seeds",
                      len(questions) * n) as adv:
        doc = robustness(questions, n, seeds, ranges=ranges, store=store, workers=workers,
                         executor=executor, periods=periods, overrides=overrides,
                         progress=lambda done, total: adv(done, total=total))
    console.print(robustness_table(doc))
    return doc


Sets = Annotated[list[str] | None, typer.Option("--set", help="override PATH=VALUE "
                                                "(applied wherever a variant's file has it)")]
Scenarios = Annotated[list[str] | None, typer.Option(
    "--scenario", help="NAME=FILE: run the variants on scenario NAME on FILE instead")]
Periods = Annotated[int | None, typer.Option(help="run length (quick looks)")]
Executor = Annotated[str, typer.Option(help="local (process pool), dask or serial")]


@app.command()
@guarded
def check(
    claims: Annotated[list[str] | None, typer.Argument(
        help="C1..C8 (the essay's claims), FILE [QUESTION...] or FILE:QUESTION "
             "(default: the essay's eight)")] = None,
    seeds: Annotated[int, typer.Option(help="seeds per question")] = 10,
    workers: Workers = None,
    json_: Annotated[Path | None, typer.Option("--json", help="write the results as JSON")] = None,
    markdown: Annotated[Path | None, typer.Option(help="write Markdown tables")] = None,
    set_: Sets = None,
    scenario: Scenarios = None,
    periods: Periods = None,
    placebo: Annotated[bool, typer.Option(help="also run each placebo")] = True,
    robust: Annotated[int, typer.Option(
        help="N > 0: also run N Latin-hypercube points of the assumptions")] = 0,
    robust_seeds: Annotated[int, typer.Option(help="seeds per robustness point")] = 3,
    store: Annotated[Path | None, typer.Option(
        help="folder of finished robustness points (resumes)")] = None,
    executor: Executor = "local",
) -> None:
    """Run questions (the essay's claims by default) over seeds: verdicts and placebos."""
    _check_executor(executor)
    run_check(claims, seeds, workers, json_, markdown, set_, scenario, periods, placebo,
              robust, robust_seeds, store, executor)


def _check_executor(executor: str) -> None:
    from premia.experiments.executors import EXECUTORS

    if executor not in EXECUTORS:
        raise BadInputError(f"--executor {executor!r}: use one of {', '.join(EXECUTORS)}")


@app.command("robustness")
@guarded
def robustness_command(
    claims: Annotated[list[str] | None, typer.Argument(
        help="C1..C8, FILE [QUESTION...] or FILE:QUESTION (default: the essay's eight)")
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Latin-hypercube points per question")] = 16,
    seeds: Annotated[int, typer.Option(help="seeds per point (common to all points)")] = 3,
    store: Annotated[Path | None, typer.Option(help="folder of finished points (resumes)")
                     ] = None,
    workers: Annotated[int, typer.Option(help="points run in parallel")] = 1,
    executor: Executor = "local",
    range_: Annotated[list[str] | None, typer.Option(
        "--range", help="PATH=LO:HI: a box of your own (default: the documented assumptions)")
    ] = None,
    periods: Periods = None,
    set_: Sets = None,
    json_: Annotated[Path | None, typer.Option("--json", help="write the summary as JSON")
                     ] = None,
) -> None:
    """Where in the box of assumed parameters each question holds, fails or stays open."""
    from premia.cli.common import parse_sets
    from premia.experiments.design import DesignError, parse_range
    from premia.questions.core import check_overrides
    from premia.questions.find import select

    _check_executor(executor)
    if n < 2 or seeds < 2 or workers < 1:
        raise BadInputError("--n and --seeds must be at least 2, --workers at least 1")
    _validate_options(seeds, workers, periods)
    try:
        ranges = [parse_range(r) for r in range_ or []]
    except DesignError as exc:
        raise BadInputError(str(exc)) from None
    questions = select(claims)
    overrides = parse_sets(set_)
    for q in questions:
        check_overrides(q, overrides)
    doc = run_robustness(questions, n, seeds, store, workers, executor, periods, ranges,
                         overrides)
    if json_ is not None:
        write_json_atomic(json_, {"robustness": doc})
        console.print(f"results written to {json_}")


@app.command("claims-doc")
@guarded
def claims_doc(
    check_json: Annotated[Path, typer.Argument(help="a premia check --json file")],
    more: Annotated[Path | None, typer.Option(
        help="a second check (more seeds) of the claims that were inconclusive")] = None,
    robustness: Annotated[Path | None, typer.Option(
        help="a premia robustness --json file")] = None,
    out: Annotated[Path, typer.Option(help="the Markdown page to write")] = Path(
        "docs/claims.md"),
    command: Annotated[str, typer.Option(help="the commands that made the JSON files")] = "",
) -> None:
    """Write docs/claims.md from stored check results (outcome sentences follow verdicts)."""
    from premia.claims.markdown import claims_document
    from premia.report import ReportError, load_check

    docs: dict[str, dict | None] = {}
    for name, path in (("check", check_json), ("more", more), ("robustness", robustness)):
        if path is None:
            docs[name] = None
            continue
        try:
            if name != "robustness":
                load_check(path)
            docs[name] = json.loads(path.read_text(encoding="utf-8"))
        except ReportError as exc:
            raise BadInputError(str(exc)) from None
        except (OSError, json.JSONDecodeError) as exc:
            raise BadInputError(f"{path}: not a readable JSON file ({exc})") from None
    if docs["robustness"] is not None and "robustness" not in docs["robustness"]:
        raise BadInputError(f"{robustness}: robustness: missing (write it with premia "
                            "robustness --json)")
    page = claims_document(docs["check"] or {}, docs["more"], command, docs["robustness"])
    write_text_atomic(out, page)
    console.print(f"written to {out}")
