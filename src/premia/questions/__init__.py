"""Questions that can fail: the essay's eight claims and your own, declared in TOML.

A question names variants of a scenario, criteria on named metrics of those variants and a
placebo (see :mod:`premia.questions.schema` for the ``[[question]]`` format). The same
machinery runs the essay's claims (``C1`` ... ``C8``, declared in the shipped scenarios)
and questions in any scenario file:

    >>> import premia.questions as pq
    >>> qs = pq.load("scenarios/guizhou.toml")                    # doctest: +SKIP
    >>> report = pq.check(list(qs.values()), seeds=5)             # doctest: +SKIP
    >>> [(r.id, r.verdict, r.placebo["verdict"]) for r in report.claims]  # doctest: +SKIP

Public names: :class:`Question`, :func:`load` (a file's questions), :func:`essay` (the
eight), :func:`resolve` (``"C4"`` or ``"FILE:ID"``), :func:`select` (command-line
arguments), :func:`check` (run questions over seeds: verdicts and placebo verdicts),
:func:`register_metric` (a metric of your own), :class:`QuestionError`.
"""

from __future__ import annotations

from typing import Any

from premia.questions.schema import CriterionSpec, PlaceboSpec, QuestionSpec, VariantSpec

_LAZY = {
    "Question": "premia.questions.core", "Variant": "premia.questions.core",
    "Criterion": "premia.questions.core", "Placebo": "premia.questions.core",
    "load": "premia.questions.find", "essay": "premia.questions.find",
    "resolve": "premia.questions.find", "select": "premia.questions.find",
    "QuestionError": "premia.questions.find", "check": "premia.claims",
    "CheckReport": "premia.claims", "register_metric": "premia.metrics",
    "Metric": "premia.metrics",
}


def __getattr__(name: str) -> Any:
    """Load the running machinery on first use (the schema alone is imported eagerly)."""
    import importlib

    if name not in _LAZY:
        raise AttributeError(f"module 'premia.questions' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    return getattr(module, "register" if name == "register_metric" else name)


__all__ = ["CheckReport", "Criterion", "CriterionSpec", "Metric", "Placebo", "PlaceboSpec",
           "Question", "QuestionError", "QuestionSpec", "Variant", "VariantSpec", "check",
           "essay", "load", "register_metric", "resolve", "select"]
