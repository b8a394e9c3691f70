"""The essay's eight claims as multi-seed checks with effects, intervals and verdicts.

Example:
    >>> from premia.claims import CLAIMS
    >>> sorted(CLAIMS)
    ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from premia.claims.facts import stylized_facts
from premia.claims.registry import CLAIMS, Claim, Criterion, Scale
from premia.claims.runner import ClaimResult, run_claim, run_claims


@dataclass
class CheckReport:
    """The result of ``premia check``: the claims and the stylized facts."""

    claims: list[ClaimResult]
    stylized_facts: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON document written by ``premia check --json``."""
        return {"claims": [c.to_json() for c in self.claims],
                "stylized_facts": self.stylized_facts, "meta": self.meta}


def check(ids: list[str] | None = None, seeds: int = 10, workers: int | None = None,
          progress: Callable[[int, int], None] | None = None,
          overrides: dict[str, Any] | None = None, periods: int | None = None) -> CheckReport:
    """Run the claims (all by default) over ``seeds`` seeds.

    Args:
        ids: claim ids such as ``["C1", "C4"]``; all when None.
        seeds: number of seeds per claim.
        workers: worker processes (default: all cores).
        progress: ``progress(done, total)`` after each claim-seed task.
        overrides: overrides applied to every claim's scenario (rarely useful).
        periods: run length override (for quick looks; verdicts are for the defaults).

    Returns:
        A :class:`CheckReport`.
    """
    import time

    from premia.api import versions

    start = time.perf_counter()
    results = run_claims(list(ids or CLAIMS), seeds, workers, overrides, periods, progress)
    facts = stylized_facts([f for r in results if r.id in ("C1", "C2", "C3") for f in r.facts])
    meta = {"seeds": seeds, "wall_time_s": time.perf_counter() - start, "versions": versions()}
    return CheckReport(claims=results, stylized_facts=facts, meta=meta)


__all__ = ["CLAIMS", "CheckReport", "Claim", "ClaimResult", "Criterion", "Scale", "check",
           "run_claim", "run_claims"]
