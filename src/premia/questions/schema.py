"""The ``[[question]]`` sections of a scenario file: a question that can fail.

A question compares named *variants* of a scenario (overrides set, values scaled, events
switched on or off; a variant may run on another scenario file), judges one or more
*criteria* (a formula on named metrics of the variants, a direction and a threshold) and
names a *placebo*: the same variants with the mechanism in question switched off, on
which a sound measure must not hold. The essay's eight claims are declared this way in
the shipped scenarios.

Example (TOML)::

    [[question]]
    id = "mandate"
    title = "Modernizing the workshops destroys the premium"

    [[question.variant]]
    name = "traditional"

    [[question.variant]]
    name = "mandate"
    enable = [0]                       # switch on [[event]] 0

    [[question.criterion]]
    name = "markup"
    description = "long-run markup under the mandate minus without"
    effect = "markup:embroidery@mandate - markup:embroidery@traditional"
    direction = "<"
    threshold = 0.0

    [question.placebo]
    description = "no meaning lives in the technique (theta = 0)"
    set = { "category.embroidery.authenticity_loss" = 0.0 }

This module checks the structure (pydantic, with the scenario) and, when the questions are
loaded, the references (:func:`check_questions`): variants named in formulas exist, events
exist, metrics are known and their arguments name entities of the scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from premia.questions.expr import Effect, ExpressionError, parse_effect

if TYPE_CHECKING:
    from premia.scenario import Scenario

Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)]
ENTITY_SECTIONS = {"category": "category", "region": "region", "culture": "culture",
                   "creator": "creator"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Switches(_Spec):
    """What a variant (or the placebo) changes in its scenario."""

    overrides: dict[str, Any] = Field(
        default_factory=dict, alias="set",
        description="override PATH = VALUE, as with --set (e.g. category.goods.fixed_cost)")
    scale: dict[str, float] = Field(
        default_factory=dict, description="override PATH = factor times the file's own value")
    enable: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="indices of [[event]] sections to switch on")
    disable: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="indices of [[event]] sections to switch off")

    def override_map(self) -> dict[str, Any]:
        """The switches as one ``{path: value}`` mapping (events as ``event.N.enabled``)."""
        out: dict[str, Any] = {f"event.{i}.enabled": True for i in self.enable}
        out.update({f"event.{i}.enabled": False for i in self.disable})
        out.update(self.overrides)
        return out


class MatchSpec(_Spec):
    """``match_spending``: scale some budgets so that public spending on interventions
    (media, promotion, machines, machine subsidies, heritage) equals another arm's."""

    variant: Name = Field(description="the variant whose public spending to match")
    budgets: list[str] = Field(
        min_length=1, description="override paths scaled by one common factor (yuan/month)")


class VariantSpec(Switches):
    """``[[question.variant]]``: one arm of the comparison."""

    name: Name
    title: str = Field("", max_length=200, description="display name (default: the name)")
    scenario: str | None = Field(
        None, max_length=400,
        description="run on another scenario: a shipped name or a path relative to this file")
    event: list[dict[str, Any]] = Field(
        default_factory=list,
        description="[[question.variant.event]]: events added after the file's own")
    match_spending: MatchSpec | None = Field(
        None, description="rescale budgets, seed by seed, to spend what another variant spends")


class PlaceboSpec(Switches):
    """``[question.placebo]``: the variants with the mechanism in question switched off."""

    description: str = Field("", max_length=400)
    description_zh: str = Field("", max_length=400)
    variants: list[Name] | None = Field(
        None, description="the variants the switches apply to (default: every variant)")


class CriterionSpec(_Spec):
    """``[[question.criterion]]``: ``effect direction threshold`` is what is claimed."""

    name: Name
    description: str = Field("", max_length=400)
    description_zh: str = Field("", max_length=400)
    effect: str = Field(max_length=2000, description="formula on NAME:ARG@VARIANT metrics")
    direction: Literal[">", "<"]
    threshold: float = 0.0


class QuestionSpec(_Spec):
    """``[[question]]``: a comparison of variants that may hold, fail or stay open."""

    id: Name
    title: str = Field(max_length=200)
    title_zh: str = Field("", max_length=200)
    summary: str = Field("", max_length=2000)
    summary_zh: str = Field("", max_length=2000)
    variant: list[VariantSpec] = Field(min_length=1)
    criterion: list[CriterionSpec] = Field(min_length=1)
    placebo: PlaceboSpec | None = None
    equal_spending: list[Name] = Field(
        default_factory=list,
        description="variants meant to spend the same public money (checked on every run)")

    @model_validator(mode="after")
    def _names(self) -> QuestionSpec:
        for kind, names in (("variant", [v.name for v in self.variant]),
                            ("criterion", [c.name for c in self.criterion])):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"question {self.id}: {kind} {dup[0]!r} is declared twice")
        return self

    def effects(self) -> dict[str, Effect]:
        """Each criterion's parsed formula (raises :class:`ExpressionError`)."""
        return {c.name: parse_effect(c.effect) for c in self.criterion}


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _known(names: list[str]) -> str:
    return ", ".join(names) or "none"


def check_question(q: QuestionSpec, ids: dict[str, list[str]], events: int,
                   own: set[str]) -> None:
    """Check a question's references against its scenario.

    Args:
        q: the question.
        ids: the scenario's ids by entity (``{"category": [...], "region": [...], ...}``).
        events: how many ``[[event]]`` sections the scenario has.
        own: the variants that run on this scenario (others name another file, checked
            when the question is loaded).

    Raises:
        ValueError: one line naming the question, the part and what is allowed.
    """
    from premia.metrics import entity_parts, registry

    names = [v.name for v in q.variant]
    metrics = registry()
    for v in q.variant:
        if v.name in own:
            _check_events(f"question {q.id}, variant {v.name}", v, events + len(v.event))
        _check_match(q, v, names)
    for c in q.criterion:
        where = f"question {q.id}, criterion {c.name}, effect"
        try:
            effect = parse_effect(c.effect)
        except ExpressionError as exc:
            raise _fail(where, str(exc)) from None
        for ref in effect.refs:
            if ref.variant not in names:
                raise _fail(where, f"unknown variant {ref.variant!r} in {ref} "
                                   f"(known: {_known(names)})")
            metric = metrics.get(ref.metric)
            if metric is None:
                raise _fail(where, f"unknown metric {ref.metric!r} in {ref} "
                                   f"(known: {_known(sorted(metrics))}; see premia metrics)")
            if ref.variant in own:
                _check_arg(where, ref, metric.entity, ids, entity_parts)
    if q.placebo is not None:
        where = f"question {q.id}, placebo"
        for name in q.placebo.variants or []:
            if name not in names:
                raise _fail(where, f"unknown variant {name!r} (known: {_known(names)})")
        _check_events(where, q.placebo, events)
    for name in q.equal_spending:
        if name not in names:
            raise _fail(f"question {q.id}, equal_spending",
                        f"unknown variant {name!r} (known: {_known(names)})")


def _check_match(q: QuestionSpec, v: VariantSpec, names: list[str]) -> None:
    m = v.match_spending
    if m is None:
        return
    where = f"question {q.id}, variant {v.name}, match_spending"
    if m.variant not in names or m.variant == v.name:
        others = [n for n in names if n != v.name]
        raise _fail(where, f"variant {m.variant!r} (allowed: {_known(others)})")
    target = next(x for x in q.variant if x.name == m.variant)
    if target.match_spending is not None:
        raise _fail(where, f"{m.variant} itself matches another variant; match one that "
                           "does not")


def _check_events(where: str, switches: Switches, events: int) -> None:
    for i in [*switches.enable, *switches.disable]:
        if i >= events:
            allowed = f"0..{events - 1}" if events else "none: the scenario has no [[event]]"
            raise _fail(where, f"event {i} does not exist (allowed: {allowed})")


def _check_arg(where: str, ref: Any, entity: str, ids: dict[str, list[str]],
               entity_parts: Any) -> None:
    parts = ref.arg.split("/")
    kinds = entity_parts(entity)
    if len(parts) != len(kinds):
        form = "/".join(f"<{k}>" for k in kinds)
        raise _fail(where, f"{ref}: {ref.metric} takes {form}")
    for kind, value in zip(kinds, parts, strict=True):
        if value not in ids.get(kind, []):
            raise _fail(where, f"{ref}: no {kind} {value!r} in the scenario "
                               f"(known: {_known(ids.get(kind, []))})")


def scenario_ids(sc: Scenario) -> dict[str, list[str]]:
    """The ids of a scenario's categories, regions, cultures, creators and public accounts."""
    ids = {kind: [item.id for item in getattr(sc, section)]
           for kind, section in ENTITY_SECTIONS.items()}
    ids["account"] = ["national", *ids["region"]]
    return ids


def check_questions(sc: Scenario, source: str | None = None) -> None:
    """Check every ``[[question]]`` of a validated scenario (unique ids, references).

    A scenario runs without its questions, so this is not part of validating a scenario
    (a program may drop or replace events); :func:`premia.questions.load` and ``premia
    validate`` call it.

    Raises:
        ValueError: one line naming the question and what is wrong (a
            :class:`~premia.loading.ScenarioError` starting with ``source`` when given).
    """
    if source is not None:
        from premia.loading import ScenarioError

        try:
            check_questions(sc)
        except ValueError as exc:
            raise ScenarioError(f"{source}: {exc}") from None
        return
    seen: set[str] = set()
    ids = scenario_ids(sc)
    for q in sc.question:
        if q.id in seen:
            raise ValueError(f"question {q.id}: declared twice in the file")
        seen.add(q.id)
        own = {v.name for v in q.variant if v.scenario is None}
        check_question(q, ids, len(sc.event), own)
