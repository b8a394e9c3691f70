"""docs/claims.md is generated from stored check results and must match them."""

from __future__ import annotations

import json
from pathlib import Path

from premia.claims.markdown import claims_document
from premia.claims.prose import outcome

DOCS = Path(__file__).resolve().parents[1] / "docs"
COMMAND = (DOCS / "claims-command.txt")


def load(name: str) -> dict | None:
    path = DOCS / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def test_claims_page_matches_the_stored_check():
    page = claims_document(load("claims-check.json"), load("claims-check-40.json"),
                           COMMAND.read_text(encoding="utf-8"), load("claims-robustness.json"))
    assert (DOCS / "claims.md").read_text(encoding="utf-8") == page, (
        "docs/claims.md is out of date: see the last command in docs/claims-command.txt")


def test_the_page_states_every_claims_final_verdict_and_numbers():
    check, more = load("claims-check.json"), load("claims-check-40.json")
    page = (DOCS / "claims.md").read_text(encoding="utf-8")
    reruns = {c["id"]: c for c in (more or {}).get("claims", [])}
    assert [c["id"] for c in check["claims"]] == [f"C{i}" for i in range(1, 9)]
    for claim in check["claims"]:
        final = reruns.get(claim["id"], claim)
        assert f"**{claim['id']} {final['verdict'].replace('inconclusive', 'is inconclusive')}" \
            in page
        assert " ".join(outcome("en", final)) in page
        assert claim["placebo"]["verdict"] != "holds", f"{claim['id']}: its placebo holds"
    assert "## Robustness over what is assumed" in page
