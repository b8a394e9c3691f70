"""The simulated method of moments (SMM) fit of a scenario's parameters to data moments.

With data moments ``m_d`` (standard errors ``s_d``) and the model's moments ``m(θ)`` (the
mean over S runs at the same seeds for every θ: common random numbers), the fit solves

    θ̂ = argmin_θ g(θ)' W g(θ),   g(θ) = m(θ) − m_d,   W = diag(1 / s_d²)

inside the parameters' bounds, by a global search (optimagic's multistart: a Sobol sample
of the box, then local Nelder-Mead searches from the best points, TikTak) in coordinates
scaled to [0, 1]. Inference (Gouriéroux and Monfort 1996; estimagic's ``msm_covs``):

    Var(θ̂) = (G'WG)⁻¹ G'W Ω W G (G'WG)⁻¹,   Ω = diag(s_d² + s_m² / S)

with ``G = ∂m/∂θ`` by central differences (optimagic's ``first_derivative``, the points
run in parallel) and ``s_m²`` the variance of one run's moments across seeds (the
simulation noise of the mean), estimated from ``variance_runs`` runs at the estimates
(the fit's seeds and further ones). The overidentification statistic is ``J = g'V⁺g`` with
``V = PΩP'``, ``P = I − G(G'WG)⁻¹G'W``, χ² with M − K degrees of freedom when the model is
right. Identification diagnostics: the Jacobian scaled to data standard errors per tenth
of each parameter's range, the sensitivity of the estimates to moment bias (Andrews,
Gentzkow and Shapiro 2017) and to dropping a moment (Honoré, Jørgensen and de Paula 2020),
and the singular values of ``W^½G``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from premia.calibration.evaluate import Evaluator, Progress
from premia.calibration.result import Fit
from premia.calibration.statistics import entities, parse
from premia.calibration.targets import Moment, Param, TargetError
from premia.loading import (
    ScenarioError,
    _locate,
    apply_overrides,
    integer_paths,
    read_toml,
    validate_raw,
)

MISS = 1.0e3  # residual (in data standard errors) of a moment the model cannot produce


def _base(scenario: str | Path | Mapping[str, Any], overrides: Mapping[str, Any] | None
          ) -> tuple[dict[str, Any], str]:
    from premia.catalog import resolve

    if isinstance(scenario, Mapping):
        raw, source = dict(scenario), "<scenario>"
    else:
        raw, source = read_toml(resolve(scenario)), str(scenario)
    return apply_overrides(raw, overrides or {}, source), source


def _start(raw: dict[str, Any], params: Sequence[Param], start: Mapping[str, float] | None,
           source: str) -> np.ndarray:
    out = []
    for p in params:
        if start and p.path in start:
            value = float(start[p.path])
        else:
            target, key = _locate(_copy(raw), p.path, source)
            current = target.get(key)
            value = float(current) if isinstance(current, int | float) and not isinstance(
                current, bool) else (p.low + p.high) / 2
        out.append(min(max(value, p.low), p.high))
    return np.array(out)


def _copy(raw: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(raw)


def check(raw: dict[str, Any], source: str, params: Sequence[Param],
          targets: Sequence[Moment]) -> None:
    """Fail early on a bad parameter path, bound or statistic selector.

    Raises:
        ScenarioError: a path does not exist or a bound is not a valid value.
        TargetError: a statistic selects nothing in the scenario.
    """
    if not params:
        raise TargetError("give at least one --param PATH=LO:HI")
    if len({p.path for p in params}) < len(params):
        raise TargetError("a parameter is given twice")
    ints = integer_paths(raw, [p.path for p in params])
    for bound in ("low", "high"):
        point = {p.path: getattr(p, bound) for p in params}
        point = {k: round(v) if k in ints else v for k, v in point.items()}
        validate_raw(apply_overrides(raw, point, source), source)
    dump = validate_raw(raw, source).model_dump(mode="json")
    for m in targets:
        stat, selector = parse(str(m.model))
        try:
            entities(dump, stat, selector)
        except ValueError as exc:
            raise TargetError(f"moment {m.id!r}: {exc}") from None
    if len(targets) < len(params):
        raise TargetError(f"{len(targets)} moments cannot identify {len(params)} parameters; "
                          "give at least as many moments as parameters")


def applicable(raw: dict[str, Any], source: str, targets: Sequence[Moment]
               ) -> tuple[list[Moment], list[Moment]]:
    """Split moments into those whose statistic selects something in the scenario and
    those that do not (a moments file may cover kinds the scenario lacks)."""
    dump = validate_raw(raw, source).model_dump(mode="json")
    keep, skip = [], []
    for m in targets:
        stat, selector = parse(str(m.model))
        try:
            entities(dump, stat, selector)
            keep.append(m)
        except ValueError:
            skip.append(m)
    return keep, skip


class Objective:
    """``u ∈ [0, 1]^K`` -> standardized residuals ``(m(θ) − m_d) / s_d``."""

    def __init__(self, ev: Evaluator, params: Sequence[Param], data: np.ndarray,
                 data_se: np.ndarray) -> None:
        self.ev, self.params = ev, list(params)
        self.low = np.array([p.low for p in params])
        self.span = np.array([p.span for p in params])
        self.data, self.data_se = data, data_se
        self.history: list[float] = []

    def theta(self, u: np.ndarray) -> np.ndarray:
        """Parameter values of scaled coordinates."""
        return self.low + np.clip(np.asarray(u, float), 0.0, 1.0) * self.span

    def point(self, u: np.ndarray) -> dict[str, float]:
        """``{path: value}`` of scaled coordinates."""
        return dict(zip((p.path for p in self.params), map(float, self.theta(u)),
                        strict=True))

    def simulated(self, u: np.ndarray) -> np.ndarray:
        """Statistics per seed at ``u`` (seeds x moments)."""
        return self.ev.statistics(self.point(u))

    def mean(self, u: np.ndarray) -> np.ndarray:
        """The model moments at ``u``: the mean over seeds (NaN if a seed has none)."""
        return self.simulated(u).mean(axis=0)

    def residuals(self, u: np.ndarray) -> np.ndarray:
        """Standardized residuals; a moment the model cannot produce counts as a miss of
        :data:`MISS` standard errors."""
        r = (self.mean(u) - self.data) / self.data_se
        r = np.where(np.isfinite(r), r, MISS)
        self.history.append(float(r @ r))
        return r


def _sample(u0: np.ndarray, samples: int, seed: int) -> list[np.ndarray]:
    """The global search's points: the start and a scrambled Sobol sample of [0, 1]^K."""
    from scipy.stats import qmc

    if samples <= 0:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Sobol balance warning for sizes not 2^m
        pts = qmc.Sobol(d=u0.size, scramble=True, seed=seed).random(int(samples))
    return [u0.copy(), *pts]


def _search(obj: Objective, u0: np.ndarray, algorithm: str, samples: int, starts: int,
            max_evals: int, seed: int) -> tuple[np.ndarray, str]:
    """Global then local search: the sample's runs go to the executor in one batch, then
    optimagic's multistart ranks the sample (read back from the cache) and runs local
    searches from the best points."""
    import optimagic as om

    k = u0.size
    options: dict[str, Any] = {"stopping_maxfun": int(max_evals)}
    if algorithm == "scipy_neldermead":
        options.update(convergence_xtol_abs=1e-3, convergence_ftol_abs=1e-3)
    sample = _sample(u0, samples, seed)
    multistart: Any = False
    if sample:
        obj.ev.prefetch([obj.point(u) for u in sample])
        multistart = om.MultistartOptions(
            sample=sample, stopping_maxopt=max(1, int(starts)), n_cores=1, seed=seed,
            convergence_max_discoveries=max(2, int(starts)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = om.minimize(fun=om.mark.least_squares(obj.residuals), params=u0,
                          bounds=om.Bounds(lower=np.zeros(k), upper=np.ones(k)),
                          algorithm=algorithm, algo_options=options, multistart=multistart)
    return np.clip(np.asarray(res.params, float), 0.0, 1.0), str(res.message or "")


def _prefetching(obj: Objective) -> Callable[..., list[Any]]:
    """An optimagic batch evaluator: every point's runs go to the executor in one batch,
    then the points are read back in order (no threads in this process)."""

    def batch(func: Callable[[Any], Any], arguments: list[Any], n_cores: int = 1,
              error_handling: Any = "continue", **_: Any) -> list[Any]:
        obj.ev.prefetch([obj.point(np.asarray(x, float)) for x in arguments])
        out: list[Any] = []
        for x in arguments:
            try:
                out.append(func(x))
            except Exception as exc:
                if str(error_handling).endswith("raise") or "RAISE" in str(error_handling):
                    raise
                out.append(f"{type(exc).__name__}: {exc}")
        return out

    return batch


def _jacobian(obj: Objective, u: np.ndarray, step: float) -> np.ndarray:
    """``∂m/∂θ`` by central differences (one-sided at a bound), per unit of θ."""
    import optimagic as om

    k = u.size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = om.first_derivative(obj.mean, u, bounds=om.Bounds(lower=np.zeros(k),
                                                                upper=np.ones(k)),
                                method="central", step_size=step,
                                batch_evaluator=_prefetching(obj))
    g = np.asarray(d.derivative, float).reshape(obj.data.size, k)
    return g / obj.span[None, :]


def inference(jac: np.ndarray, data_se: np.ndarray, omega: np.ndarray, gap: np.ndarray
              ) -> dict[str, Any]:
    """Covariance, sensitivities, J statistic and singular values (see module docstring).

    Args:
        jac: ``∂m/∂θ`` (moments x parameters).
        data_se: the data moments' standard errors (the weights are ``1/se²``).
        omega: the variance of data minus model, per moment.
        gap: model minus data at the estimates.
    """
    from estimagic.msm_covs import cov_robust
    from estimagic.msm_sensitivity import (
        calculate_actual_sensitivity_to_removal,
        calculate_sensitivity_to_bias,
    )
    from scipy.stats import chi2

    m, k = jac.shape
    nan = {"cov": np.full((k, k), math.nan), "sensitivity": np.full((k, m), math.nan),
           "removal": np.full((k, m), math.nan), "j_stat": math.nan, "p_value": math.nan}
    if not all(np.all(np.isfinite(a)) for a in (jac, omega, gap)):
        return nan  # a moment the model does not produce at the estimates
    w = np.diag(1.0 / data_se**2)
    om_ = np.diag(omega)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cov = np.asarray(cov_robust(jac, w, om_), float)
            bias = np.asarray(calculate_sensitivity_to_bias(jac, w), float)
            removal = np.asarray(calculate_actual_sensitivity_to_removal(jac, w, om_, cov),
                                 float)
        except Exception:
            return nan
    cov, bias = _unidentified(jac, cov, bias)
    df = m - k
    try:
        j_stat = j_statistic(jac, w, om_, gap) if df > 0 else math.nan
    except np.linalg.LinAlgError:
        j_stat = math.nan
    return {"cov": cov, "sensitivity": bias, "removal": removal, "j_stat": j_stat,
            "p_value": float(chi2.sf(j_stat, df)) if df > 0 else math.nan}


def _unidentified(jac: np.ndarray, cov: np.ndarray, bias: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """NaN for the variance and sensitivities of a parameter no moment responds to.

    A Jacobian column of zeros (the runs did not change at all when the parameter moved,
    e.g. an entry cost above every entrant's valuation) makes ``G'WG`` singular; its
    pseudo-inverse would report a standard error of 0, the opposite of the truth.
    """
    flat = np.all(jac == 0.0, axis=0)
    if not flat.any():
        return cov, bias
    cov, bias = cov.copy(), bias.copy()
    cov[flat, :] = math.nan
    cov[:, flat] = math.nan
    bias[flat, :] = math.nan
    return cov, bias


def usable_inference(jac: np.ndarray, data_se: np.ndarray, omega: np.ndarray,
                     gap: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
    """:func:`inference` on the moments the model produces at the estimates.

    A moment whose model value, variance or Jacobian row is missing there (no handmade
    goods left to price, too short a run for a diffusion fit) is left out of the
    standard errors and the J statistic instead of making them all missing.

    Returns:
        The inference (sensitivities with NaN columns for the moments left out, and
        ``df``) and the mask of the moments used.
    """
    m, k = jac.shape
    ok = np.isfinite(gap) & np.isfinite(omega) & np.all(np.isfinite(jac), axis=1)
    if ok.sum() < k:
        return {**inference(jac, data_se, omega, gap), "df": m - k}, ok
    inf = inference(jac[ok], data_se[ok], omega[ok], gap[ok])
    for name in ("sensitivity", "removal"):
        full = np.full((k, m), math.nan)
        full[:, ok] = inf[name]
        inf[name] = full
    return {**inf, "df": int(ok.sum()) - k}, ok


def j_statistic(jac: np.ndarray, w: np.ndarray, omega: np.ndarray, gap: np.ndarray) -> float:
    """``g'V⁺g`` with ``V = PΩP'`` of rank M − K: the inverse on its M − K largest
    eigenvalues (the others are zero up to rounding)."""
    m, k = jac.shape
    bread = np.linalg.pinv(jac.T @ w @ jac)
    proj = np.eye(m) - jac @ bread @ jac.T @ w
    vals, vecs = np.linalg.eigh(proj @ omega @ proj.T)
    keep = np.argsort(vals)[::-1][: m - k]
    z = vecs[:, keep].T @ gap
    return float(np.sum(z**2 / vals[keep]))


def calibrate(scenario: str | Path | Mapping[str, Any], targets: Sequence[Moment],
              params: Sequence[Param], *, store: str | Path, seeds: int = 5,
              start: Mapping[str, float] | None = None,
              overrides: Mapping[str, Any] | None = None, months: int = 12,
              samples: int | None = None, starts: int = 2, max_evals: int | None = None,
              algorithm: str = "scipy_neldermead", step: float = 0.05,
              executor: str = "local", workers: int = 1, scheduler: str | None = None,
              root_seed: int | None = None, variance_runs: int = 10,
              progress: Progress | None = None,
              stage: Callable[[str], None] | None = None) -> Fit:
    """Fit parameters of a scenario to data moments by the simulated method of moments.

    Args:
        scenario: a scenario file, a shipped scenario's name or a raw mapping.
        targets: the data moments (each with a ``model`` statistic and an ``se``).
        params: the parameters with their bounds.
        store: the run store; a fit started again with the same arguments resumes from it.
        seeds: runs per point (the same seeds everywhere: common random numbers).
        start: starting values (default: the scenario's values, clipped to the bounds).
        overrides: fixed ``{path: value}`` applied to the scenario first.
        months: model periods per observation of the data (12: yearly data).
        samples: points of the global Sobol search (default ``10·K``; 0: local only).
        starts: local searches from the best points.
        max_evals: evaluations per local search (default ``40·K``).
        algorithm: optimagic's local algorithm (default Nelder-Mead).
        step: the central-difference step for the Jacobian, as a share of each range.
        executor, workers, scheduler: where runs execute (``local``, ``dask``, ``serial``).
        root_seed: the seed the run seeds derive from (default: the scenario's).
        variance_runs: runs at the estimates (the fit's seeds and further ones) from which
            the variance of one run's moments is estimated, for the simulation noise of
            the model's mean in ``Ω`` (a variance from only the fit's few seeds is itself
            too noisy).
        progress: called with run counters after each run.
        stage: called with the name of each stage (``search``, ``jacobian``).

    Returns:
        The :class:`~premia.calibration.result.Fit`.
    """
    raw, source = _base(scenario, overrides)
    targets, params = list(targets), list(params)
    check(raw, source, params, targets)
    k = len(params)
    root = int(raw.get("scenario", {}).get("seed", 0)) if root_seed is None else int(root_seed)
    data = np.array([m.value for m in targets], float)
    data_se = np.array([float(m.se) for m in targets], float)  # type: ignore[arg-type]
    u0 = (_start(raw, params, start, source) - [p.low for p in params]) / [
        p.span for p in params]
    samples = 10 * k if samples is None else int(samples)
    max_evals = 40 * k if max_evals is None else int(max_evals)
    ev = Evaluator(raw, source, store, [str(m.model) for m in targets], seeds, root, months,
                   executor, workers, scheduler, progress)
    with ev:
        obj = Objective(ev, params, data, data_se)
        if stage:
            stage("search")
        u_hat, message = _search(obj, u0, algorithm, samples, starts, max_evals, root)
        sims = obj.simulated(u_hat)
        extra = ev.statistics(obj.point(u_hat), range(seeds, max(seeds, variance_runs)))
        if stage:
            stage("jacobian")
        jac = _jacobian(obj, u_hat, step)
    model = sims.mean(axis=0)
    spread = np.vstack([sims, extra])
    sim_var = spread.var(axis=0, ddof=1) if len(spread) > 1 else np.zeros_like(model)
    omega = data_se**2 + sim_var / seeds
    gap = model - data
    inf, used = usable_inference(jac, data_se, omega, gap)
    scaled = (np.diag(1.0 / data_se) @ (jac * [p.span for p in params]))[used]
    sv = (np.linalg.svd(scaled, compute_uv=False) if scaled.size and np.all(
        np.isfinite(scaled)) else np.full(k, math.nan))
    r = np.where(np.isfinite(gap / data_se), gap / data_se, MISS)
    return Fit(
        scenario=str(raw.get("scenario", {}).get("name", "")), source=source, params=params,
        start=obj.theta(u0), estimates=obj.theta(u_hat),
        se=np.sqrt(np.clip(np.diag(inf["cov"]), 0, None)), cov=inf["cov"], targets=targets,
        data=data, data_se=data_se, model=model,
        model_se=np.sqrt(sim_var / seeds), omega=omega, jacobian=jac,
        sensitivity=inf["sensitivity"], removal=inf["removal"], j_stat=inf["j_stat"],
        df=inf["df"], p_value=inf["p_value"], objective=float(r @ r),
        left_out=[m.id for m, u in zip(targets, used, strict=True) if not u],
        singular_values=sv, seeds=int(seeds), months=int(months), algorithm=algorithm,
        variance_runs=len(spread),
        samples=samples, starts=int(starts), evaluations=ev.counts["points"],
        runs=ev.counts["simulated"], runs_stored=ev.counts["stored"],
        failed=ev.counts["failed"], wall_s=ev.wall_s, message=message,
        overrides=dict(overrides or {}), history=obj.history)


__all__ = ["ScenarioError", "applicable", "calibrate", "check", "inference",
           "usable_inference"]
