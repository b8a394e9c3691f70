"""The claims' results as a Markdown table (for docs and notebooks)."""

from __future__ import annotations

from typing import Any


def _num(x: float) -> str:
    return f"{x:.3g}"


def claims_markdown(doc: dict[str, Any]) -> str:
    """Markdown tables of a ``premia check`` JSON document: claims, criteria and facts.

    Example:
        >>> doc = {"claims": [{"id": "C1", "title_en": "t", "verdict": "holds", "seeds": 2,
        ...        "criteria": [{"name": "m", "description": "d", "effect": 0.1,
        ...                      "ci": [0.05, 0.15], "verdict": "holds"}]}],
        ...        "stylized_facts": []}
        >>> print(claims_markdown(doc).splitlines()[2])
        | C1 | t | **holds** | m: d | 0.1 | [0.05, 0.15] | holds |
    """
    lines = ["| claim | title | verdict | criterion | effect | 95% interval | criterion verdict |",
             "|---|---|---|---|---|---|---|"]
    for claim in doc["claims"]:
        for i, crit in enumerate(claim["criteria"]):
            head = (f"| {claim['id']} | {claim['title_en']} | **{claim['verdict']}** "
                    if i == 0 else "| | | ")
            lo, hi = crit["ci"]
            lines.append(f"{head}| {crit['name']}: {crit['description']} | "
                         f"{_num(crit['effect'])} | [{_num(lo)}, {_num(hi)}] | "
                         f"{crit['verdict']} |")
    facts = doc.get("stylized_facts") or []
    if facts:
        lines += ["", "| kind | measure | model (long run) | reference |", "|---|---|---|---|"]
        for f in facts:
            model = "not simulated" if f["model"] is None else _num(f["model"])
            lines.append(f"| {f['kind']} | {f['measure']} | {model} | {f['reference']} |")
    return "\n".join(lines) + "\n"
