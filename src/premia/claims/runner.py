"""Running questions over seeds, with their placebos, on a local pool or Dask.

Seed ``s`` is the same number for every question and variant (derived from one root with
:class:`numpy.random.SeedSequence`), so variants, placebos and questions are compared on
common random numbers. One task is one question and one seed: it runs every variant and,
unless told otherwise, every placebo variant (variants the placebo leaves unchanged share
their run), and returns the metric values, never the runs.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from premia.claims.facts import category_facts
from premia.claims.stats import combine, interval, verdict
from premia.metrics import Metric, registry
from premia.questions.core import Question, total_spending
from premia.results import Results

ROOT_SEED = 20261129
SPENDING_TOLERANCE = 0.05


def seeds_for(n: int, root: int = ROOT_SEED) -> list[int]:
    """``n`` run seeds derived from one root with :class:`numpy.random.SeedSequence`."""
    return [int(s.generate_state(1, np.uint64)[0] >> 1)
            for s in np.random.SeedSequence(root).spawn(n)]


@dataclass(frozen=True)
class Task:
    """One question and one seed, with everything a worker process needs."""

    question: Question
    seed: int
    overrides: Mapping[str, Any] = field(default_factory=dict)
    periods: int | None = None
    placebo: bool = True
    metrics: Mapping[str, Metric] = field(default_factory=dict)


@dataclass
class Outcome:
    """What one task measured: criterion effects (and their placebo's), facts, spending."""

    effects: list[float]
    placebo: list[float] | None
    facts: list[dict[str, Any]]
    spending: dict[str, float | None]


def run_task(task: Task) -> Outcome:
    """Run one question with one seed (in a worker) and measure it."""
    q = task.question
    metrics = {**registry(), **task.metrics}
    cache: dict[str, Results] = {}
    runs = q.run(task.seed, task.overrides, task.periods, cache=cache)
    effects = q.effects(q.measure(runs, metrics))
    placebo = None
    if task.placebo and q.placebo is not None:
        placebo_runs = q.run(task.seed, task.overrides, task.periods, placebo=True, cache=cache)
        placebo = q.effects(q.measure(placebo_runs, metrics))
    return Outcome(effects, placebo, category_facts(runs[q.baseline]),
                   {name: total_spending(res) for name, res in runs.items()})


def judge(values: Sequence[float], direction: str, threshold: float) -> dict[str, Any]:
    """Mean, 95% interval and verdict of per-seed effects; undefined seeds are left out."""
    finite = [float(v) for v in values if np.isfinite(v)]
    out: dict[str, Any] = {"per_seed": [float(v) if np.isfinite(v) else None for v in values],
                           "undefined_seeds": len(values) - len(finite)}
    if len(finite) < 2:
        mean = finite[0] if finite else float("nan")
        return {**out, "effect": mean, "ci": [float("-inf"), float("inf")],
                "verdict": "inconclusive"}
    iv = interval(finite)
    return {**out, "effect": iv.mean, "ci": [iv.lo, iv.hi],
            "verdict": verdict(iv, direction, threshold)}  # type: ignore[arg-type]


@dataclass
class ClaimResult:
    """A question's verdict over several seeds, with its placebo's verdict."""

    id: str
    ref: str
    verdict: str
    effect: float
    ci: tuple[float, float]
    seeds: int
    per_seed: list[float | None]
    metric: str
    title_en: str
    title_zh: str
    quote_zh: str
    summary_en: str
    summary_zh: str
    source: str
    scenario: str
    essay: bool = False
    criteria: list[dict[str, Any]] = field(default_factory=list)
    placebo: dict[str, Any] | None = None
    spending: dict[str, float | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (one entry of ``claims`` in ``premia check --json``)."""
        return {
            "id": self.id, "ref": self.ref, "verdict": self.verdict, "effect": self.effect,
            "ci": list(self.ci), "seeds": self.seeds, "per_seed": self.per_seed,
            "metric": self.metric, "title_en": self.title_en, "title_zh": self.title_zh,
            "quote_zh": self.quote_zh, "summary_en": self.summary_en,
            "summary_zh": self.summary_zh, "source": self.source, "scenario": self.scenario,
            "essay": self.essay, "criteria": self.criteria, "placebo": self.placebo,
            "spending": self.spending, "warnings": self.warnings,
        }


def _criteria(q: Question, effects: list[list[float]]) -> list[dict[str, Any]]:
    out = []
    for i, c in enumerate(q.criteria):
        judged = judge([row[i] for row in effects], c.direction, c.threshold)
        out.append({"name": c.name, "description": c.description,
                    "description_zh": c.description_zh, "formula": c.effect.text,
                    "direction": c.direction, "threshold": c.threshold, **judged})
    return out


def _spending(q: Question, outcomes: list[Outcome]) -> tuple[dict[str, float | None], list[str]]:
    means: dict[str, float | None] = {}
    for name in q.variants:
        values = [o.spending.get(name) for o in outcomes]
        means[name] = None if any(v is None for v in values) else float(np.mean(values))
    notes = []
    equal = [means.get(n) for n in q.equal_spending]
    if len(equal) > 1 and all(v is not None for v in equal):
        lo, hi = min(equal), max(equal)  # type: ignore[type-var]
        if hi > 0 and (hi - lo) / hi > SPENDING_TOLERANCE:
            shown = ", ".join(f"{n} {means[n]:,.0f}" for n in q.equal_spending)
            notes.append(f"the variants meant to spend the same do not (yuan over the run: "
                         f"{shown})")
    return means, notes


def summarize(q: Question, outcomes: list[Outcome]) -> ClaimResult:
    """Verdicts of a question and of its placebo from its per-seed outcomes."""
    from premia.claims.essay import ESSAY

    criteria = _criteria(q, [o.effects for o in outcomes])
    placebo = None
    if q.placebo is not None and outcomes and outcomes[0].placebo is not None:
        p_crit = _criteria(q, [o.placebo or [] for o in outcomes])
        placebo = {"description": q.placebo.description,
                   "description_zh": q.placebo.description_zh,
                   "variants": list(q.placebo.variants),
                   "verdict": combine([c["verdict"] for c in p_crit]), "criteria": p_crit}
    money, notes = _spending(q, outcomes)
    notes += [f"criterion {c['name']} is undefined in {c['undefined_seeds']} seed(s)"
              for c in criteria if c["undefined_seeds"]]
    words = ESSAY.get(q.id) if q.essay else None
    first = criteria[0]
    return ClaimResult(
        id=q.id, ref=q.ref, verdict=combine([c["verdict"] for c in criteria]),
        effect=first["effect"], ci=(first["ci"][0], first["ci"][1]), seeds=len(outcomes),
        per_seed=first["per_seed"], metric=first["description"] or first["formula"],
        title_en=q.title, title_zh=q.title_zh or (words.title_zh if words else ""),
        quote_zh=words.quote_zh if words else "",
        summary_en=q.summary or (words.summary_en if words else ""),
        summary_zh=q.summary_zh or (words.summary_zh if words else ""),
        source=q.source_name, scenario=q.scenario_name, essay=q.essay, criteria=criteria,
        placebo=placebo,
        spending=money, warnings=notes,
        facts=[row for o in outcomes for row in o.facts])


def task_metrics(questions: Sequence[Question]) -> dict[str, Metric]:
    """The registered metrics the questions use, to ship with each task (a pool's workers
    start fresh: they know the built-in metrics, not the ones registered here)."""
    from premia.claims.measures import MEASURES
    from premia.metrics import METRICS

    known = registry()
    return {r.metric: known[r.metric] for q in questions for r in q.refs()
            if known[r.metric] is not METRICS.get(r.metric, MEASURES.get(r.metric))}


def _picklable(metrics: Mapping[str, Metric]) -> bool:
    try:
        pickle.dumps(dict(metrics))
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def run_questions(questions: Sequence[Question], seeds: int, workers: int | None = None,
                  overrides: Mapping[str, Any] | None = None, periods: int | None = None,
                  progress: Callable[[int, int], None] | None = None, placebo: bool = True,
                  executor: str = "local", scheduler: str | None = None) -> list[ClaimResult]:
    """Run questions over ``seeds`` seeds; results are the same for any executor or workers.

    Args:
        questions: the questions (see :func:`premia.questions.select`).
        seeds: seeds per question (the same seeds for every question).
        workers: processes (default: all cores); 1 runs in this process.
        overrides: ``--set`` overrides, applied wherever the path exists.
        periods: run length override (quick looks; verdicts are for the defaults).
        progress: ``progress(done, total)`` after each question-seed task.
        placebo: also run every placebo.
        executor: ``local`` (process pool), ``dask`` or ``serial``.
        scheduler: a Dask scheduler address (with ``executor="dask"``).
    """
    import os

    from premia.experiments.executors import make_executor

    metrics = task_metrics(questions)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if executor == "local" and workers > 1 and not _picklable(metrics):
        warnings.warn("a registered metric cannot be sent to worker processes (define it at "
                      "the top of an importable module); running in this process", stacklevel=2)
        executor = "serial"
    run_seeds = seeds_for(seeds)
    tasks = [Task(q, s, dict(overrides or {}), periods, placebo, metrics)
             for q in questions for s in run_seeds]
    if workers <= 1 or len(tasks) == 1:
        executor = "serial" if executor == "local" else executor
    found: dict[tuple[int, int], Outcome] = {}
    with make_executor(executor, workers, scheduler) as pool:
        for done, (task, outcome, error) in enumerate(pool.map_unordered(run_task, tasks), 1):
            if error is not None:
                raise error
            found[(id(task.question), task.seed)] = outcome
            if progress:
                progress(done, len(tasks))
    return [summarize(q, [found[(id(q), s)] for s in run_seeds]) for q in questions]
