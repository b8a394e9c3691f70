"""A question ready to run: its variants' scenarios, its criteria and its placebo.

A :class:`Question` is built from a ``[[question]]`` section (:mod:`premia.questions.schema`)
and the file it was declared in. A variant's scenario is its file with, in order, the
user's overrides (``--set``; only where the path exists in that file), the run length,
the variant's own switches and, for the placebo, the placebo's switches. Every variant is
run with the same seed (common random numbers) and the criteria are formulas on named
metrics of those runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from premia.loading import ScenarioError, _locate, apply_overrides, read_toml, validate_raw
from premia.metrics import Metric
from premia.questions.expr import Effect, MetricRef
from premia.questions.schema import QuestionSpec, Switches, check_question, scenario_ids
from premia.results import Results
from premia.scenario import Scenario

Runs = dict[str, Results]


@dataclass(frozen=True)
class Change:
    """Switches of a variant or a placebo: added events, overrides, factors of file values."""

    overrides: Mapping[str, Any] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)
    events: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def of(cls, spec: Switches) -> Change:
        """From a schema section's ``set``, ``scale``, ``enable``, ``disable`` and ``event``."""
        return cls(dict(spec.override_map()), dict(spec.scale),
                   tuple(dict(e) for e in getattr(spec, "event", [])))

    def apply(self, raw: dict[str, Any], source: str) -> dict[str, Any]:
        """``raw`` with the events added, the factors (of its own values) and then the
        overrides applied."""
        if self.events:
            raw = {**raw, "event": [*raw.get("event", []), *map(dict, self.events)]}
        scaled = {}
        for path, factor in self.scale.items():
            target, key = _locate(raw, path, source)
            if key not in target:
                raise ScenarioError(f"{source}: scale {path}: the file sets no value to scale")
            scaled[path] = target[key] * factor
        return apply_overrides(apply_overrides(raw, scaled, source), self.overrides, source)


@dataclass(frozen=True)
class Match:
    """Scale ``budgets`` by one factor so that public spending equals ``variant``'s."""

    variant: str
    budgets: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    """One arm of a question: a scenario file and what is changed in it."""

    name: str
    title: str
    source: Path
    change: Change
    match: Match | None = None


@dataclass(frozen=True)
class Criterion:
    """``effect direction threshold``, where effect is a formula on metrics of variants."""

    name: str
    description: str
    description_zh: str
    effect: Effect
    direction: str
    threshold: float

    def claimed(self) -> str:
        """The claim in words, e.g. ``"below 0"``."""
        return f"{'above' if self.direction == '>' else 'below'} {self.threshold:g}"


@dataclass(frozen=True)
class Placebo:
    """The mechanism switched off in some variants; a sound measure must not then hold."""

    description: str
    description_zh: str
    variants: tuple[str, ...]
    change: Change


def shipped_dir() -> Path:
    """The folder of the shipped scenarios."""
    from premia.catalog import scenario_dir

    return scenario_dir().resolve()


def locate_scenario(name: str, base: Path) -> Path:
    """A variant's ``scenario``: a path relative to the question's file, or a shipped name."""
    from premia.catalog import shipped

    p = Path(name)
    candidate = p if p.is_absolute() else base.parent / p
    if candidate.suffix and candidate.is_file():
        return candidate
    if name in shipped():
        return shipped()[name]
    raise ScenarioError(f"{base}: scenario {name!r}: no such file next to it and no shipped "
                        f"scenario of that name (shipped: {', '.join(shipped())})")


@dataclass(frozen=True)
class Question:
    """A comparison of variants that may hold, fail or stay open (see the module docstring).

    Attributes:
        id: the question's id in its file (the essay's claims are ``C1`` ... ``C8``).
        source: the scenario file that declares it.
        variants: the arms, in file order; the first is the baseline.
        criteria: what is claimed; the question holds when every criterion holds.
        placebo: the mechanism switched off (``None`` if the file names none).
        equal_spending: variants meant to spend the same public money.
    """

    id: str
    title: str
    title_zh: str
    summary: str
    summary_zh: str
    source: Path
    variants: dict[str, Variant]
    criteria: tuple[Criterion, ...]
    placebo: Placebo | None = None
    equal_spending: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: QuestionSpec, source: str | Path) -> Question:
        """Build from a parsed section; variants on other files are checked here."""
        path = Path(source)
        variants = {}
        for v in spec.variant:
            file = locate_scenario(v.scenario, path) if v.scenario else path
            m = v.match_spending
            match = Match(m.variant, tuple(m.budgets)) if m is not None else None
            variants[v.name] = Variant(v.name, v.title or v.name, file, Change.of(v), match)
        effects = spec.effects()
        criteria = tuple(Criterion(c.name, c.description, c.description_zh, effects[c.name],
                                   c.direction, c.threshold) for c in spec.criterion)
        placebo = None
        if spec.placebo is not None:
            p = spec.placebo
            placebo = Placebo(p.description, p.description_zh,
                              tuple(p.variants or variants), Change.of(p))
        q = cls(spec.id, spec.title, spec.title_zh, spec.summary, spec.summary_zh, path,
                variants, criteria, placebo, tuple(spec.equal_spending))
        q._check_foreign(spec)
        q._check_budgets()
        return q

    def _check_budgets(self) -> None:
        for v in self.variants.values():
            if v.match is None:
                continue
            sc = self.scenario(v.name).model_dump()
            for path in v.match.budgets:
                value = _value(sc, path)
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise ScenarioError(
                        f"{self.source}: question {self.id}, variant {v.name}, "
                        f"match_spending: budget {path!r} is not a number in its scenario")

    def _check_foreign(self, spec: QuestionSpec) -> None:
        for name, v in self.variants.items():
            if v.source == self.source:
                continue
            sc = validate_raw(read_toml(v.source), str(v.source))
            try:
                check_question(spec, scenario_ids(sc), len(sc.event), {name})
            except ValueError as exc:
                raise ScenarioError(f"{self.source}: {exc}") from None

    # ---- identity ----------------------------------------------------------------
    @property
    def ref(self) -> str:
        """How to name it on the command line: ``C4`` for the essay's, else ``FILE:ID``."""
        return self.id if self.essay else f"{self.source_name}:{self.id}"

    @property
    def essay(self) -> bool:
        """Whether this is one of the essay's claims declared in the shipped scenarios."""
        from premia.claims.essay import ESSAY

        return self.id in ESSAY and self.source.resolve().parent == shipped_dir()

    @property
    def source_name(self) -> str:
        """The declaring file as a user would name it: a shipped name, or the path given."""
        if self.source.resolve().parent == shipped_dir():
            return self.source.stem
        return str(self.source)

    @property
    def scenario_name(self) -> str:
        """The declaring file's ``[scenario] name`` (its stem if unreadable)."""
        try:
            return str(read_toml(self.source)["scenario"]["name"])
        except (ScenarioError, KeyError):
            return self.source.stem

    @property
    def baseline(self) -> str:
        """The first variant."""
        return next(iter(self.variants))

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description for listings (a dashboard, a notebook table).

        Example:
            >>> from premia.questions import resolve
            >>> d = resolve("C4").describe()
            >>> d["ref"], [v["name"] for v in d["variants"]]
            ('C4', ['traditional', 'mandate'])
        """
        return {
            "id": self.id, "ref": self.ref, "title": self.title, "title_zh": self.title_zh,
            "summary": self.summary, "summary_zh": self.summary_zh, "essay": self.essay,
            "source": self.source_name, "scenario": self.scenario_name,
            "variants": [{"name": v.name, "title": v.title, "scenario": str(v.source),
                          "overrides": dict(v.change.overrides), "scale": dict(v.change.scale),
                          "events": [dict(e) for e in v.change.events],
                          "matches": v.match.variant if v.match else None}
                         for v in self.variants.values()],
            "criteria": [{"name": c.name, "description": c.description,
                          "description_zh": c.description_zh, "effect": c.effect.text,
                          "direction": c.direction, "threshold": c.threshold}
                         for c in self.criteria],
            "placebo": None if self.placebo is None else {
                "description": self.placebo.description,
                "description_zh": self.placebo.description_zh,
                "variants": list(self.placebo.variants),
                "overrides": dict(self.placebo.change.overrides),
                "scale": dict(self.placebo.change.scale)},
            "equal_spending": list(self.equal_spending),
        }

    def refs(self) -> list[MetricRef]:
        """Every metric reference of every criterion, without repeats."""
        return list(dict.fromkeys(r for c in self.criteria for r in c.effect.refs))

    def with_scenarios(self, files: Mapping[str, str | Path]) -> Question:
        """The same question with scenario files swapped (``--scenario NAME=FILE``).

        A variant's file is swapped when NAME is its file's stem or ``[scenario] name``.
        """
        if not files:
            return self
        variants = {}
        for name, v in self.variants.items():
            stem, named = v.source.stem, _name_of(v.source)
            new = files.get(stem) or files.get(named)
            variants[name] = replace(v, source=Path(new)) if new else v
        return replace(self, variants=variants)

    # ---- running -----------------------------------------------------------------
    def scenario(self, variant: str, overrides: Mapping[str, Any] | None = None,
                 periods: int | None = None, placebo: bool = False) -> Scenario:
        """The validated scenario of one variant (of its placebo when ``placebo``)."""
        v = self.variants[variant]
        src = str(v.source)
        raw = read_toml(v.source)
        raw = apply_overrides(raw, applicable(raw, overrides or {}), src)
        if periods is not None:
            raw = apply_overrides(raw, {"scenario.periods": periods}, src)
        raw = v.change.apply(raw, src)
        if placebo and self.placebo is not None and variant in self.placebo.variants:
            raw = self.placebo.change.apply(raw, src)
        return validate_raw(raw, src)

    def run(self, seed: int, overrides: Mapping[str, Any] | None = None,
            periods: int | None = None, placebo: bool = False,
            cache: dict[str, Results] | None = None) -> Runs:
        """Run every variant once with ``seed``; ``{variant: Results}``.

        Variants whose scenarios are identical (as a placebo may leave some unchanged)
        share one run through ``cache`` (keyed by scenario hash and seed). A variant that
        matches another's spending is run once as declared, then again with its budgets
        multiplied by (the other's public spending on interventions) / (its own): media,
        promotion and heritage budgets are spent in full every month, so one rescaling
        makes the two equal.
        """
        cache = {} if cache is None else cache
        out: Runs = {}
        order = sorted(self.variants, key=lambda n: self.variants[n].match is not None)
        for name in order:
            sc = self.scenario(name, overrides, periods, placebo)
            res = _simulate(sc, seed, cache)
            match = self.variants[name].match
            if match is not None:
                res = self._matched(sc, res, out[match.variant], match, seed, cache)
            out[name] = res
        return {name: out[name] for name in self.variants}

    @staticmethod
    def _matched(sc: Scenario, res: Results, target: Results, match: Match, seed: int,
                 cache: dict[str, Results]) -> Results:
        own, wanted = total_spending(res), total_spending(target)
        if own is None or wanted is None or own <= 0 or wanted == own:
            return res
        factor = wanted / own
        dump = sc.model_dump(mode="json")
        raw = apply_overrides(dump, {p: _value(dump, p) * factor for p in match.budgets})
        return _simulate(validate_raw(raw, "<matched>"), seed, cache)

    def measure(self, runs: Runs, metrics: Mapping[str, Metric] | None = None
                ) -> dict[MetricRef, float]:
        """The value of every metric reference on the runs (NaN when undefined)."""
        from premia.metrics import registry

        known = metrics if metrics is not None else registry()
        out = {}
        for ref in self.refs():
            value = float(known[ref.metric].compute(runs[ref.variant], ref.arg))
            out[ref] = value if math.isfinite(value) else math.nan
        return out

    def effects(self, values: Mapping[MetricRef, float]) -> list[float]:
        """Each criterion's effect from the metric values of one seed."""
        return [c.effect.evaluate(values) for c in self.criteria]


def _simulate(sc: Scenario, seed: int, cache: dict[str, Results]) -> Results:
    from premia.api import simulate
    from premia.loading import scenario_hash

    key = f"{scenario_hash(sc)}:{seed}"
    if key not in cache:
        cache[key] = simulate(sc, seed=seed)
    return cache[key]


def _value(dump: dict[str, Any], path: str) -> Any:
    try:
        target, key = _locate(dump, path, "")
    except ScenarioError:
        return None
    return target.get(key)


INTERVENTIONS = ("media", "promotion", "machines", "machine_subsidy", "heritage")


def total_spending(res: Results, instruments: tuple[str, ...] = INTERVENTIONS) -> float | None:
    """Public spending of a run on interventions, all accounts, yuan (None when the run
    records no public table).

    Entry subsidies are left out: they belong to the market every arm shares (the public
    share of entrants' sunk cost), not to the interventions a question compares.
    """
    table = res.tables.get("public")
    if table is None:
        return None
    if table.num_rows == 0:
        return 0.0
    frame = table.to_pandas()
    return float(frame.loc[frame["instrument"].isin(instruments), "spending"].sum())


def _name_of(path: Path) -> str:
    try:
        return str(read_toml(path)["scenario"]["name"])
    except (ScenarioError, KeyError):
        return path.stem


def applicable(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides whose path exists in ``raw`` (a ``--set`` applies where it can)."""
    out = {}
    for path, value in overrides.items():
        try:
            _locate(raw, path, "")
        except ScenarioError:
            continue
        out[path] = value
    return out


def check_overrides(question: Question, overrides: Mapping[str, Any]) -> None:
    """Raise :class:`ScenarioError` for an override that no variant's file has."""
    raws = [read_toml(v.source) for v in question.variants.values()]
    for path in overrides:
        if not any(applicable(raw, {path: None}) for raw in raws):
            files = sorted({str(v.source) for v in question.variants.values()})
            _locate(read_toml(files[0]), path, ", ".join(files))
