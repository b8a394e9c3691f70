"""The result of a fit: estimates, standard errors, the fit table and the diagnostics."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from premia.calibration.targets import Moment, Param

RESPONSE_STEP = 0.1  # identification: a move of a tenth of the parameter's range


@dataclass
class Fit:
    """A simulated method of moments fit (see :func:`premia.calibration.calibrate`).

    Attributes:
        scenario: the scenario's name; ``source`` its file.
        params: the fitted parameters with their bounds; ``start`` the starting values.
        estimates, se: the fitted values and their standard errors
            (``cov``: their covariance, ``(G'WG)⁻¹ G'WΩWG (G'WG)⁻¹``).
        targets: the data moments; ``data``/``data_se`` their values and standard errors.
        model, model_se: the model's moments at the estimates (mean over the seeds) and
            the simulation standard error of that mean (sd over seeds / sqrt(seeds)).
        omega: the variance of data minus model used for inference, ``se_d² + s²/S``
            (``s²``: the variance of one run's moments over ``variance_runs`` runs at the
            estimates).
        jacobian: d model moment / d parameter at the estimates (moments x parameters).
        sensitivity: Andrews-Gentzkow-Shapiro sensitivity of each estimate to a bias in
            each moment, ``−(G'WG)⁻¹G'W`` (parameters x moments).
        removal: the increase of each estimate's variance if a moment were dropped
            (parameters x moments).
        j_stat, df, p_value: the overidentification test ``g'V⁺g ~ χ²(M − K)``.
        left_out: moments the model does not produce at the estimates, left out of the
            standard errors and J (``df`` counts only the others).
        objective: ``Σ ((model − data)/se_d)²`` at the estimates.
        singular_values: of ``W^½ G`` in units of the parameters' ranges (identification:
            a value near zero means a direction of the parameters the moments do not see).
        history: the objective at every evaluated point, in order.
    """

    scenario: str
    source: str
    params: list[Param]
    start: np.ndarray
    estimates: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    targets: list[Moment]
    data: np.ndarray
    data_se: np.ndarray
    model: np.ndarray
    model_se: np.ndarray
    omega: np.ndarray
    jacobian: np.ndarray
    sensitivity: np.ndarray
    removal: np.ndarray
    j_stat: float
    df: int
    p_value: float
    objective: float
    singular_values: np.ndarray
    seeds: int
    months: int
    algorithm: str
    samples: int
    starts: int
    evaluations: int
    runs: int
    runs_stored: int
    failed: int
    wall_s: float
    message: str = ""
    variance_runs: int = 0
    left_out: list[str] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    history: list[float] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The parameters' override paths."""
        return [p.path for p in self.params]

    @property
    def estimate_map(self) -> dict[str, float]:
        """``{path: estimate}``."""
        return dict(zip(self.names, map(float, self.estimates), strict=True))

    def fit_table(self) -> pd.DataFrame:
        """Data beside model, one row per moment: ``t = (model − data) / sqrt(Ω)``."""
        se = np.sqrt(self.omega)
        return pd.DataFrame({
            "moment": [m.id for m in self.targets],
            "statistic": [m.model for m in self.targets],
            "data": self.data, "data_se": self.data_se, "model": self.model,
            "model_se": self.model_se, "se": se, "t": (self.model - self.data) / se})

    def params_table(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals, one row per parameter."""
        lo = self.estimates - 1.959963984540054 * self.se
        hi = self.estimates + 1.959963984540054 * self.se
        return pd.DataFrame({
            "parameter": self.names, "low": [p.low for p in self.params],
            "high": [p.high for p in self.params], "start": self.start,
            "estimate": self.estimates, "se": self.se, "ci_low": lo, "ci_high": hi})

    def response(self) -> pd.DataFrame:
        """How each moment responds to each parameter (moments x parameters): the change
        of the model moment, in data standard errors, when the parameter moves by a tenth
        of its range."""
        span = np.array([p.span for p in self.params])
        r = self.jacobian * span[None, :] * RESPONSE_STEP / self.data_se[:, None]
        return pd.DataFrame(r, index=[m.id for m in self.targets], columns=self.names)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (arrays as lists, NaN as None)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "params":
                v = [{"path": p.path, "low": p.low, "high": p.high} for p in v]
            elif f.name == "targets":
                v = [m.model_dump() for m in v]
            out[f.name] = _plain(v)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fit:
        """The inverse of :meth:`to_json`."""
        kw = dict(data)
        kw["params"] = [Param(**p) for p in data["params"]]
        kw["targets"] = [Moment(**m) for m in data["targets"]]
        for f in fields(cls):
            if f.name in kw and f.type in ("np.ndarray",):
                kw[f.name] = np.array(_nan(kw[f.name]), dtype=float)
        for name in ("j_stat", "p_value", "objective"):
            kw[name] = math.nan if kw.get(name) is None else kw[name]
        return cls(**kw)

    def save_json(self, path: str | Path) -> Path:
        """Write :meth:`to_json` atomically."""
        from premia.report.page import write_atomic

        return write_atomic(path, json.dumps(self.to_json(), indent=1, ensure_ascii=False))

    @classmethod
    def load_json(cls, path: str | Path) -> Fit:
        """Read a fit written by :meth:`save_json`."""
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def _nan(v: Any) -> Any:
    if isinstance(v, list):
        return [_nan(x) for x in v]
    return math.nan if v is None else v
