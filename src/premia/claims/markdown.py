"""The claims' results as Markdown: tables, and the whole of ``docs/claims.md``.

:func:`claims_document` writes ``docs/claims.md`` from a check JSON (and, for the claims
that were inconclusive, a second check with more seeds): every sentence that states how a
claim came out is chosen by a verdict and filled with the check's numbers
(:mod:`premia.claims.prose`); the rest describes the method. A test regenerates the page
from the stored JSON and fails when they no longer match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from premia.claims import prose

VERDICT_WORDS = {"holds": "holds", "fails": "fails", "inconclusive": "is inconclusive"}


def _num(x: float | None) -> str:
    return prose.number(x)


def _placebo(crit_name: str, claim: Mapping[str, Any]) -> str:
    for c in (claim.get("placebo") or {}).get("criteria", []):
        if c["name"] == crit_name:
            return c["verdict"]
    return "not run"


def claims_table(claims: Sequence[Mapping[str, Any]]) -> list[str]:
    """One row per criterion: effect, interval, verdict, and the placebo's verdict."""
    lines = ["| claim | title | verdict | placebo | criterion | effect | 95% interval | "
             "criterion verdict | on the placebo |", "|---|---|---|---|---|---|---|---|---|"]
    for claim in claims:
        placebo = (claim.get("placebo") or {}).get("verdict", "not run")
        for i, crit in enumerate(claim["criteria"]):
            head = (f"| {claim['id']} | {claim.get('title_en', '')} | **{claim['verdict']}** | "
                    f"{placebo} " if i == 0 else "| | | | ")
            lo, hi = crit["ci"]
            lines.append(f"{head}| {crit['name']}: {prose.label('en', crit)} | "
                         f"{_num(crit['effect'])} | [{_num(lo)}, {_num(hi)}] | "
                         f"{crit['verdict']} | {_placebo(crit['name'], claim)} |")
    return lines


def facts_table(facts: Sequence[Mapping[str, Any]]) -> list[str]:
    """The stylized facts beside their references ("not run" where no claim made them)."""
    if not facts:
        return []
    lines = ["| kind | measure | model (long run) | reference |", "|---|---|---|---|"]
    for f in facts:
        model = "not run" if f["model"] is None else _num(f["model"])
        lines.append(f"| {f['kind']} | {f['measure']} | {model} | {f['reference']} |")
    return lines


def robustness_table(doc: Mapping[str, Any] | None) -> list[str]:
    """Share of the box of assumptions where each claim holds, and what moves it most."""
    if not doc or not doc.get("claims"):
        return []
    lines = ["| claim | holds | fails | inconclusive | parameters that move the verdict most "
             "(Spearman ρ) | parameters in the box |", "|---|---|---|---|---|---|"]
    for c in doc["claims"]:
        s = c["shares"]
        moved = ", ".join(f"`{d['path']}` ({d['rho']:+.2f})" for d in c["drivers"]) or "none"
        lines.append(f"| {c['ref']} | {s['holds']:.0%} | {s['fails']:.0%} | "
                     f"{s['inconclusive']:.0%} | {moved} | {len(c['box'])} |")
    return lines


def claims_markdown(doc: Mapping[str, Any]) -> str:
    """Markdown tables of a ``premia check`` JSON document: claims, facts and robustness.

    Example:
        >>> doc = {"claims": [{"id": "C1", "title_en": "t", "verdict": "holds", "seeds": 2,
        ...        "criteria": [{"name": "m", "description": "d", "effect": 0.1,
        ...                      "ci": [0.05, 0.15], "verdict": "holds"}]}],
        ...        "stylized_facts": []}
        >>> print(claims_markdown(doc).splitlines()[2])
        | C1 | t | **holds** | not run | m: d | 0.1 | [0.05, 0.15] | holds | not run |
    """
    lines = claims_table(doc["claims"])
    for extra in (facts_table(doc.get("stylized_facts") or []),
                  robustness_table(doc.get("robustness"))):
        if extra:
            lines += ["", *extra]
    return "\n".join(lines) + "\n"


def tally(claims: Sequence[Mapping[str, Any]], reruns: Mapping[str, Mapping[str, Any]]) -> str:
    """One sentence counting the final verdicts and the placebos that hold."""
    final = [reruns.get(c["id"], c) for c in claims]
    counts = {v: [c["id"] for c in final if c["verdict"] == v]
              for v in ("holds", "fails", "inconclusive")}
    parts = [f"{len(ids)} {word} ({', '.join(ids)})" for word, ids in
             (("hold", counts["holds"]), ("fail", counts["fails"]),
              ("are inconclusive", counts["inconclusive"])) if ids]
    placebos = [c["id"] for c in final if (c.get("placebo") or {}).get("verdict") == "holds"]
    said = (f"The placebo of {', '.join(placebos)} holds: that measure does not isolate its "
            "mechanism." if placebos else "No placebo holds.")
    return f"Of the {len(final)} claims, {'; '.join(parts)}. {said}"


def _model(doc: Mapping[str, Any]) -> str:
    """Which model and which parameters the verdicts come from."""
    meta = doc.get("meta", {})
    versions = meta.get("versions", {})
    name = f"premia {versions.get('premia', '?')}" if versions else "premia"
    changed = [f"`{k} = {v}`" for k, v in (meta.get("overrides") or {}).items()]
    changed += [f"scenario `{k}` from `{v}`" for k, v in (meta.get("scenarios") or {}).items()]
    if meta.get("periods"):
        changed.append(f"{meta['periods']} months")
    params = ("the shipped scenarios' own parameter values, as listed in "
              "[calibration.md](calibration.md)" if not changed else
              "the shipped scenarios with " + ", ".join(changed))
    return f"{name}, {params}"


INTRO = """# The essay's claims, checked

Each claim of the essay is a question declared in a shipped scenario (`[[question]]`: its
variants, its criteria and its placebo; see `premia.questions`). `premia check` runs every
variant of a claim over the same seeds (common random numbers) and reports, for each
criterion, the mean effect over seeds, its 95% Student-t interval and a verdict: **holds**
when the whole interval lies on the side the essay claims, **fails** when it lies on the
other side, **inconclusive** when it contains the threshold. A claim holds when all its
criteria hold. Beside each verdict stands the verdict of its **placebo**, the same check
with the essay's mechanism switched off (no subsidised entry, no R&D, no accepting group,
no meaning in the technique, no culture term, no media and creator, no halo, no budgets):
a sound measure does not hold on its placebo. "Long run" is the second half of a run.
Parameters and their sources: [calibration.md](calibration.md).

This page is generated from stored results (`docs/claims-check.json`,
`docs/claims-check-40.json` for the claims that were inconclusive, and
`docs/claims-robustness.json`); every sentence below that says how a claim came out is
chosen by its verdict and filled with its numbers."""


def claims_document(check: Mapping[str, Any], more: Mapping[str, Any] | None = None,
                    command: str = "", robustness: Mapping[str, Any] | None = None) -> str:
    """The whole of ``docs/claims.md`` from a check JSON (and a rerun with more seeds).

    Args:
        check: the ``premia check --json`` document (with ``robustness`` if it was run).
        more: a second check of the claims that were inconclusive, with more seeds.
        command: how the JSON files were made (shown under "Reproduce").
        robustness: a ``premia robustness --json`` document (else the check's own).
    """
    robust_doc = (robustness or {}).get("robustness") or check.get("robustness")
    reruns = {c["id"]: c for c in (more or {}).get("claims", [])}
    meta = check.get("meta", {})
    out = [INTRO, "", "## Reproduce", "", "```bash", command.strip() or
           f"premia check --seeds {meta.get('seeds', 10)} --json docs/claims-check.json",
           "```", "", f"Model: {_model(check)}; {meta.get('seeds', '?')} seeds per claim.", "",
           "## Results", "", *claims_table(check["claims"])]
    if reruns:
        out += ["", f"Claims inconclusive with {meta.get('seeds', '?')} seeds, run again with "
                    f"{(more or {}).get('meta', {}).get('seeds', '?')} seeds:", "",
                *claims_table(list(reruns.values()))]
    facts = facts_table(check.get("stylized_facts") or [])
    if facts:
        out += ["", "Stylized facts (long-run means of the market claims' baseline runs beside "
                    "real figures):", "", *facts]
    out += ["", "## What each result says", "", tally(check["claims"], reruns), ""]
    for claim in check["claims"]:
        final = reruns.get(claim["id"], claim)
        head = f"**{claim['id']} {VERDICT_WORDS[final['verdict']]}"
        if final is not claim:
            head += f" with {final['seeds']} seeds ({claim['verdict']} with {claim['seeds']})"
        out += [head + ".** " + " ".join(prose.outcome("en", final)), ""]
    robust = robustness_table(robust_doc)
    if robust:
        r = robust_doc
        out += ["## Robustness over what is assumed", "",
                f"Each claim at {r['n']} Latin-hypercube points of the box spanned by the "
                "parameters that [calibration.md](calibration.md) states as assumptions (their "
                "documented range, or ±50% of the scenario's value; listed in "
                f"`premia.claims.assumptions`), {r['seeds']} seeds per point, the same seeds at "
                "every point. The drivers are the parameters with the largest Spearman rank "
                "correlation, across points, with how far the claim lies on its claimed side "
                "(its smallest criterion effect beyond the threshold, in interval half-widths); "
                f"with {r['n']} points, |ρ| below about {2 / max(r['n'] - 1, 1) ** 0.5:.2f} is "
                "within sampling noise. "
                "Reproduce with `premia check --robust "
                f"{r['n']} --robust-seeds {r['seeds']}` or `premia robustness --n {r['n']} "
                f"--seeds {r['seeds']}`.", "", *robust, ""]
    return "\n".join(out).rstrip() + "\n"
