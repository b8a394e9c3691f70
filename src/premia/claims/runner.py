"""Running the claims over seeds, on a local process pool, with verdicts.

Seeds come from ``SeedSequence(root).spawn``-style derivation: seed ``s`` of every claim is
the same number, so every variant of a claim is compared on common random numbers.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from premia.catalog import shipped
from premia.claims.facts import category_facts
from premia.claims.registry import CLAIMS, Claim, Scale
from premia.claims.stats import combine, interval, verdict
from premia.loading import apply_overrides, read_toml, validate_raw
from premia.results import Results

ROOT_SEED = 20261129


def seeds_for(n: int, root: int = ROOT_SEED) -> list[int]:
    """``n`` run seeds derived from one root with :class:`numpy.random.SeedSequence`."""
    import numpy as np

    return [int(s.generate_state(1, np.uint64)[0] >> 1)
            for s in np.random.SeedSequence(root).spawn(n)]


def _resolve(raw: dict[str, Any], overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Turn :class:`Scale` overrides into numbers using the scenario's own values."""
    from premia.loading import _locate

    out: dict[str, Any] = {}
    for path, value in overrides.items():
        if isinstance(value, Scale):
            target, key = _locate(raw, path, source)
            out[path] = target[key] * value.factor
        else:
            out[path] = value
    return out


def variant_scenario(claim: Claim, variant: str, overrides: dict[str, Any] | None = None,
                     periods: int | None = None):
    """The validated scenario of one variant of a claim (user overrides applied first)."""
    path = shipped()[claim.scenario]
    raw = apply_overrides(read_toml(path), overrides or {}, str(path))
    if periods is not None:
        raw = apply_overrides(raw, {"scenario.periods": periods}, str(path))
    raw = apply_overrides(raw, _resolve(raw, claim.variants[variant], str(path)), str(path))
    return validate_raw(raw, str(path))


def run_variant(claim: Claim, variant: str, seed: int, overrides: dict[str, Any] | None = None,
                periods: int | None = None) -> Results:
    """Run one variant of a claim with one seed."""
    from premia.api import simulate

    return simulate(variant_scenario(claim, variant, overrides, periods), seed=seed)


@dataclass
class ClaimResult:
    """A claim's verdict over several seeds."""

    id: str
    verdict: str
    effect: float
    ci: tuple[float, float]
    seeds: int
    per_seed: list[float]
    metric: str
    quote_zh: str
    summary_en: str
    summary_zh: str
    criteria: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the format of ``premia check --json``)."""
        return {
            "id": self.id, "verdict": self.verdict, "effect": self.effect,
            "ci": list(self.ci), "seeds": self.seeds, "per_seed": self.per_seed,
            "metric": self.metric, "quote_zh": self.quote_zh, "summary_en": self.summary_en,
            "summary_zh": self.summary_zh, "title_en": CLAIMS[self.id].title_en,
            "title_zh": CLAIMS[self.id].title_zh, "criteria": self.criteria,
        }


Outcome = tuple[list[float], list[dict[str, Any]]]


def _one_seed(claim_id: str, seed: int, overrides: dict[str, Any] | None,
              periods: int | None) -> Outcome:
    """Effects of every criterion, and the baseline's long-run category facts."""
    claim = CLAIMS[claim_id]
    runs = claim.runs(seed, overrides, periods)
    return [float(c.effect(runs)) for c in claim.criteria], category_facts(
        runs[next(iter(claim.variants))])


def _worker(claim_id: str, seed: int, overrides: dict[str, Any] | None,
            periods: int | None) -> Outcome:
    import numba

    numba.set_num_threads(1)
    return _one_seed(claim_id, seed, overrides, periods)


def summarize(claim: Claim, effects: list[list[float]]) -> ClaimResult:
    """Verdicts from per-seed effects (``effects[seed][criterion]``)."""
    criteria = []
    for i, crit in enumerate(claim.criteria):
        values = [row[i] for row in effects]
        iv = interval(values)
        criteria.append({
            "name": crit.name, "description": crit.description, "direction": crit.direction,
            "threshold": crit.threshold, "effect": iv.mean, "ci": [iv.lo, iv.hi],
            "per_seed": values, "verdict": verdict(iv, crit.direction, crit.threshold),
        })
    first = criteria[0]
    return ClaimResult(
        id=claim.id, verdict=combine([c["verdict"] for c in criteria]), effect=first["effect"],
        ci=(first["ci"][0], first["ci"][1]), seeds=len(effects), per_seed=first["per_seed"],
        metric=claim.metric, quote_zh=claim.quote_zh, summary_en=claim.summary_en,
        summary_zh=claim.summary_zh, criteria=criteria,
    )


def _pool(workers: int) -> cf.Executor:
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))


def run_claims(ids: list[str], seeds: int, workers: int | None = None,
               overrides: dict[str, Any] | None = None, periods: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[ClaimResult]:
    """Run claims over ``seeds`` seeds; ``workers`` > 1 uses a process pool."""
    unknown = [i for i in ids if i not in CLAIMS]
    if unknown:
        raise KeyError(f"unknown claim(s) {', '.join(unknown)}; known: {', '.join(CLAIMS)}")
    run_seeds = seeds_for(seeds)
    tasks = [(cid, s) for cid in ids for s in run_seeds]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    outcomes: dict[tuple[str, int], Outcome] = {}
    if workers <= 1 or len(tasks) == 1:
        for done, (cid, s) in enumerate(tasks, 1):
            outcomes[(cid, s)] = _one_seed(cid, s, overrides, periods)
            if progress:
                progress(done, len(tasks))
    else:
        with _pool(min(workers, len(tasks))) as pool:
            futures = {pool.submit(_worker, cid, s, overrides, periods): (cid, s)
                       for cid, s in tasks}
            for done, fut in enumerate(cf.as_completed(futures), 1):
                outcomes[futures[fut]] = fut.result()
                if progress:
                    progress(done, len(tasks))
    results = []
    for cid in ids:
        res = summarize(CLAIMS[cid], [outcomes[(cid, s)][0] for s in run_seeds])
        res.facts = [row for s in run_seeds for row in outcomes[(cid, s)][1]]
        results.append(res)
    return results


def run_claim(claim_id: str, seeds: int = 10, overrides: dict[str, Any] | None = None,
              workers: int = 1, periods: int | None = None) -> ClaimResult:
    """Run one claim over ``seeds`` seeds and return its verdict.

    Example:
        >>> res = run_claim("C4", seeds=3, periods=60)   # doctest: +SKIP
        >>> res.verdict in ("holds", "fails", "inconclusive")  # doctest: +SKIP
        True
    """
    return run_claims([claim_id], seeds, workers, overrides, periods)[0]
