"""Finding questions: in a scenario file, among the essay's eight, or by ``FILE:ID``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from premia.loading import ScenarioError, read_toml, validate_raw
from premia.questions.core import Question


class QuestionError(ScenarioError):
    """An unknown question or a file without questions (one line; exit code 2)."""


def load(path: str | Path) -> dict[str, Question]:
    """Every question declared in a scenario file (``{id: Question}``, in file order).

    Args:
        path: a scenario file, or the name of a shipped scenario.

    Raises:
        ScenarioError: the file is invalid (one line naming the file and the field).

    Example:
        >>> list(load("guizhou"))
        ['C6', 'C8']
    """
    from premia.catalog import resolve
    from premia.questions.schema import check_questions

    p = Path(resolve(path))
    sc = validate_raw(read_toml(p), str(p))
    check_questions(sc, str(p))
    return {spec.id: Question.from_spec(spec, p) for spec in sc.question}


def essay() -> dict[str, Question]:
    """The essay's eight claims, declared as questions in the shipped scenarios."""
    return dict(_essay())


@functools.cache
def _essay() -> dict[str, Question]:
    from premia.catalog import shipped
    from premia.claims.essay import ESSAY

    found: dict[str, Question] = {}
    for path in shipped().values():
        for qid, q in load(path).items():
            if qid in ESSAY:
                found[qid] = q
    return {qid: found[qid] for qid in ESSAY if qid in found}


def _is_file(arg: str) -> bool:
    from premia.catalog import shipped

    return Path(arg).suffix == ".toml" or Path(arg).is_file() or arg in shipped()


def _pick(questions: dict[str, Question], wanted: str, where: str) -> Question:
    if wanted in questions:
        return questions[wanted]
    folded = {k.casefold(): q for k, q in questions.items()}
    if wanted.casefold() in folded:
        return folded[wanted.casefold()]
    raise QuestionError(f"unknown claim or question {wanted!r} in {where} "
                        f"(known: {', '.join(questions) or 'none'})")


def resolve(ref: str) -> Question:
    """A question by reference: ``C4`` (the essay's) or ``FILE:ID``.

    Example:
        >>> resolve("C4").scenario_name
        'modernize-craft'
    """
    file, sep, qid = ref.rpartition(":")
    if sep and file and _is_file(file):
        return _pick(load(file), qid, file)
    return _pick(essay(), ref, "the essay's claims (or give FILE:QUESTION)")


def select(args: Sequence[str] | None) -> list[Question]:
    """The questions named on a command line (``premia check [FILE] [QUESTION...]``).

    No arguments: the essay's eight. A scenario file (or a shipped scenario's name) first:
    its questions, or only the ids that follow. Otherwise each argument is an essay id
    (``C4``) or ``FILE:ID``.

    Raises:
        QuestionError: an unknown id, or a file that declares no question.
    """
    items = list(args or [])
    if not items:
        return list(essay().values())
    if _is_file(items[0]) and ":" not in items[0]:
        questions = load(items[0])
        if not questions:
            raise QuestionError(f"{items[0]}: declares no [[question]] (see premia.questions "
                                "or the shipped scenarios for examples)")
        if len(items) == 1:
            return list(questions.values())
        return [_pick(questions, q, items[0]) for q in items[1:]]
    return [resolve(item) for item in items]
