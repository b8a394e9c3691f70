"""``premia check``: the essay's claims over several seeds, with verdicts."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from premia.cli.common import BadInputError, Workers, app, console, guarded, progress_bar

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


def claims_table(report) -> Table:
    """A Rich table of the claims: one row each, with the essay's words and the verdict."""
    table = Table(title="the essay's claims")
    for col in ("claim", "essay (原文)", "effect", "95% interval", "verdict"):
        table.add_column(col, overflow="fold")
    for res in report.claims:
        quote = res.quote_zh if len(res.quote_zh) <= 40 else res.quote_zh[:38] + "……"
        style = VERDICT_STYLE[res.verdict]
        table.add_row(res.id, quote, f"{res.effect:.4g}",
                      f"[{res.ci[0]:.4g}, {res.ci[1]:.4g}]", f"[{style}]{res.verdict}[/{style}]")
    return table


def criteria_table(report) -> Table:
    """A Rich table of every criterion (the claim holds when all of its criteria hold)."""
    table = Table(title="criteria (descriptions: --json or --markdown)")
    for col in ("claim", "criterion", "effect", "95% interval", "verdict"):
        table.add_column(col)
    for res in report.claims:
        for crit in res.criteria:
            style = VERDICT_STYLE[crit["verdict"]]
            table.add_row(res.id, crit["name"], f"{crit['effect']:.4g}",
                          f"[{crit['ci'][0]:.4g}, {crit['ci'][1]:.4g}]",
                          f"[{style}]{crit['verdict']}[/{style}]")
    return table


def facts_table(report) -> Table:
    """A Rich table of the stylized facts beside their references."""
    table = Table(title="stylized facts: model (long run) beside real figures")
    for col in ("kind", "measure", "model", "reference"):
        table.add_column(col)
    for f in report.stylized_facts:
        model = "not simulated" if f["model"] is None else f"{f['model']:.3f}"
        table.add_row(f["kind"], f["measure"], model, f["reference"])
    return table


def run_check(claims: list[str] | None, seeds: int, workers: int | None,
              json_path: Path | None, markdown_path: Path | None = None):
    """Run the claims with a progress bar, print the tables and write the JSON."""
    from premia.claims import CLAIMS, check

    ids = [c.upper() for c in claims] if claims else list(CLAIMS)
    unknown = [c for c in ids if c not in CLAIMS]
    if unknown:
        raise BadInputError(f"unknown claim {', '.join(unknown)}; known: {', '.join(CLAIMS)}")
    if seeds < 2:
        raise BadInputError("--seeds must be at least 2 (an interval needs two seeds)")
    if workers is not None and workers < 1:
        raise BadInputError("--workers must be at least 1")
    with progress_bar(f"checking {len(ids)} claims x {seeds} seeds", len(ids) * seeds) as adv:
        report = check(ids, seeds=seeds, workers=workers,
                       progress=lambda done, total: adv(done))
    console.print(claims_table(report))
    console.print(criteria_table(report))
    console.print(facts_table(report))
    console.print(f"{len(ids)} claims x {seeds} seeds in {report.meta['wall_time_s']:.1f} s")
    if json_path is not None:
        write_json_atomic(json_path, report.to_json())
        console.print(f"results written to {json_path}")
    if markdown_path is not None:
        from premia.claims.markdown import claims_markdown

        write_text_atomic(markdown_path, claims_markdown(report.to_json()))
        console.print(f"tables written to {markdown_path}")
    return report


@app.command()
@guarded
def check(
    claims: Annotated[list[str] | None, typer.Argument(help="claim ids (default: all)")] = None,
    seeds: Annotated[int, typer.Option(help="seeds per claim")] = 10,
    workers: Workers = None,
    json_: Annotated[Path | None, typer.Option("--json", help="write the results as JSON")] = None,
    markdown: Annotated[Path | None, typer.Option(help="write Markdown tables")] = None,
) -> None:
    """Run the essay's claims over several seeds and print their verdicts."""
    run_check(claims, seeds, workers, json_, markdown)
