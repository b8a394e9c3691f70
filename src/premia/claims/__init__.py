"""The essay's eight claims, and any question, as multi-seed checks with placebos.

The claims are ``[[question]]`` sections of the shipped scenarios (:mod:`premia.questions`);
this package runs questions over seeds (:mod:`premia.claims.runner`), judges them
(:mod:`premia.claims.stats`), measures the mechanisms (:mod:`premia.claims.measures`,
:mod:`premia.claims.sawtooth`) and holds the essay's own words (:mod:`premia.claims.essay`).

Example:
    >>> from premia.claims import CLAIMS
    >>> sorted(CLAIMS)
    ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from premia.claims.facts import stylized_facts
from premia.claims.runner import ClaimResult, run_questions, seeds_for
from premia.questions.core import Question

MARKET_CLAIMS = ("C1", "C2", "C3")


class _Essay(Mapping[str, Question]):
    """The essay's claims by id, read from the shipped scenarios on first use."""

    def __getitem__(self, key: str) -> Question:
        from premia.questions.find import essay

        return essay()[key]

    def __iter__(self) -> Iterator[str]:
        from premia.questions.find import essay

        return iter(essay())

    def __len__(self) -> int:
        from premia.questions.find import essay

        return len(essay())


CLAIMS: Mapping[str, Question] = _Essay()


@dataclass
class CheckReport:
    """The result of ``premia check``: the questions' verdicts and the stylized facts."""

    claims: list[ClaimResult]
    stylized_facts: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON document written by ``premia check --json``."""
        return {"claims": [c.to_json() for c in self.claims],
                "stylized_facts": self.stylized_facts, "meta": self.meta}


def _questions(items: Sequence[Question | str] | None,
               scenarios: Mapping[str, str | Path] | None) -> list[Question]:
    from premia.questions.find import essay, resolve

    chosen = [resolve(q) if isinstance(q, str) else q for q in (items or essay().values())]
    return [q.with_scenarios(scenarios or {}) for q in chosen]


def _plain(value: Any) -> Any:
    """An override's value as JSON can hold it (``--set`` text parsed as a TOML value)."""
    from premia.loading import parse_value

    value = parse_value(value) if isinstance(value, str) else value
    return value if isinstance(value, int | float | bool | str | list) else str(value)


def check(questions: Sequence[Question | str] | None = None, seeds: int = 10,
          workers: int | None = None, progress: Callable[[int, int], None] | None = None,
          overrides: Mapping[str, Any] | None = None, periods: int | None = None,
          placebo: bool = True, scenarios: Mapping[str, str | Path] | None = None,
          executor: str = "local") -> CheckReport:
    """Run questions (the essay's eight by default) over ``seeds`` seeds.

    Args:
        questions: :class:`~premia.questions.Question` objects or references (``"C4"``,
            ``"FILE:ID"``); the essay's eight when None.
        seeds: number of seeds per question.
        workers: worker processes (default: all cores).
        progress: ``progress(done, total)`` after each question-seed task.
        overrides: ``--set`` overrides, applied to every variant whose file has the path.
        periods: run length override (for quick looks; verdicts are for the defaults).
        placebo: also run each question's placebo.
        scenarios: ``{name: file}``: run the variants of scenario ``name`` on ``file``.
        executor: ``local``, ``dask`` or ``serial``.

    Returns:
        A :class:`CheckReport`.
    """
    from premia.api import versions
    from premia.questions.core import check_overrides

    start = time.perf_counter()
    chosen = _questions(questions, scenarios)
    for q in chosen:
        check_overrides(q, overrides or {})
    results = run_questions(chosen, seeds, workers, overrides, periods, progress, placebo,
                            executor)
    facts = stylized_facts([f for r in results if r.ref in MARKET_CLAIMS for f in r.facts])
    meta = {"seeds": seeds, "seed_values": seeds_for(seeds), "periods": periods,
            "overrides": {k: _plain(v) for k, v in (overrides or {}).items()},
            "scenarios": {k: str(v) for k, v in (scenarios or {}).items()},
            "wall_time_s": time.perf_counter() - start, "versions": versions()}
    return CheckReport(claims=results, stylized_facts=facts, meta=meta)


def run_claim(ref: str | Question, seeds: int = 10, overrides: Mapping[str, Any] | None = None,
              workers: int = 1, periods: int | None = None,
              placebo: bool = False) -> ClaimResult:
    """Run one question (``"C4"``, ``"FILE:ID"`` or a Question) over ``seeds`` seeds.

    Example:
        >>> res = run_claim("C4", seeds=3, periods=60)   # doctest: +SKIP
        >>> res.verdict in ("holds", "fails", "inconclusive")  # doctest: +SKIP
        True
    """
    (q,) = _questions([ref], None)
    return run_questions([q], seeds, workers, overrides, periods, placebo=placebo)[0]


__all__ = ["CLAIMS", "CheckReport", "ClaimResult", "check", "run_claim", "run_questions",
           "seeds_for"]
