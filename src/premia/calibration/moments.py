"""Moment estimators, applied identically to a user's series and to the model's output.

Every estimator takes plain arrays (one observation per year, or per period of a run
aggregated to years) and returns an :class:`Estimate` with its standard error, a 95%
interval, the number of observations and the method. Regressions are ordinary least
squares (statsmodels); their standard errors are either Newey-West HAC (``se="hac"``,
the default: the series are autocorrelated) or plain OLS (``se="plain"``).

- learning rate: ``log p_t = a + b·log X_t + u_t`` (p price or unit cost, X cumulative
  production), ``LR = 1 − 2^b`` (the cost decline per doubling of cumulative output,
  Wright's law); the interval is the image of b's interval (the map is monotone);
- level: the mean of a series (the intercept of a regression on a constant);
- volatility: the standard deviation, with se ``sd / sqrt(2(n − 1))`` (normal theory);
- autocorrelation: the first-order sample autocorrelation;
- trend: ``x_t = a + β·t + e_t``, β per year;
- Bass diffusion: the hazard of adoption among non-adopters,
  ``(F_{t+1} − F_t)/(1 − F_t) = p + q·F_t + e_t`` (Bass 1969 in hazard form, valid for
  any starting share F_0), p the external and q the internal influence per observation.

Example:
    >>> import numpy as np
    >>> x = np.array([1.0, 2, 4, 8, 16, 32])
    >>> round(learning_rate(100 * x ** np.log2(0.8), x).value, 6)
    0.2
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

SE_METHODS = ("hac", "plain")
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A moment estimate with its uncertainty.

    Attributes:
        value: the point estimate.
        se: its standard error (NaN when it cannot be estimated).
        low: lower end of the 95% interval.
        high: upper end of the 95% interval.
        n: observations used.
        method: how ``se`` was computed, e.g. ``"OLS, Newey-West HAC (2 lags)"``.
    """

    value: float
    se: float
    low: float
    high: float
    n: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain mapping (NaN kept as float)."""
        return asdict(self)


def missing(n: int = 0, method: str = "too few observations") -> Estimate:
    """An estimate that could not be computed."""
    nan = float("nan")
    return Estimate(nan, nan, nan, nan, int(n), method)


def hac_lags(n: int) -> int:
    """Newey-West lag truncation ``floor(4 (n/100)^(2/9))`` (Newey and West 1994)."""
    return math.floor(4.0 * (max(n, 1) / 100.0) ** (2.0 / 9.0))


def _ols(y: np.ndarray, x: np.ndarray | None, se: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Coefficients and standard errors of ``y = X b`` (X = [1, x] or [1])."""
    import statsmodels.api as sm

    if se not in SE_METHODS:
        raise ValueError(f"se={se!r}: use one of {', '.join(SE_METHODS)}")
    n = y.size
    design = np.ones((n, 1)) if x is None else np.column_stack([np.ones(n), x])
    model = sm.OLS(y, design)
    if se == "hac":
        lags = hac_lags(n)
        fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        method = f"OLS, Newey-West HAC ({lags} lag{'s' if lags != 1 else ''})"
    else:
        fit = model.fit()
        method = "OLS, plain standard errors"
    return np.asarray(fit.params), np.asarray(fit.bse), method


def _finite(*arrays: np.ndarray) -> np.ndarray:
    keep = np.ones(arrays[0].shape, dtype=bool)
    for a in arrays:
        keep &= np.isfinite(a)
    return keep


def learning_rate(price: np.ndarray, cumulative: np.ndarray, se: str = "hac") -> Estimate:
    """Wright's learning rate ``1 − 2^b`` from ``log p = a + b log X``.

    Args:
        price: price or unit cost per observation (> 0; others are dropped).
        cumulative: cumulative production up to and including each observation (> 0).
        se: ``"hac"`` or ``"plain"``.
    """
    p = np.asarray(price, dtype=float)
    x = np.asarray(cumulative, dtype=float)
    keep = _finite(p, x) & (p > 0) & (x > 0)
    p, x = p[keep], x[keep]
    if p.size < 3 or np.ptp(np.log(x)) == 0:
        return missing(p.size)
    coef, bse, method = _ols(np.log(p), np.log(x), se)
    b, sb = coef[1], bse[1]
    rate = 1.0 - 2.0**b
    lo, hi = 1.0 - 2.0 ** (b + Z95 * sb), 1.0 - 2.0 ** (b - Z95 * sb)
    return Estimate(float(rate), float(2.0**b * math.log(2.0) * sb), float(lo), float(hi),
                    int(p.size), method)


def level(values: np.ndarray, se: str = "hac") -> Estimate:
    """The mean of a series with its standard error."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return missing(v.size) if v.size == 0 else Estimate(
            float(v[0]), float("nan"), float("nan"), float("nan"), 1, "one observation")
    coef, bse, method = _ols(v, None, se)
    m, s = float(coef[0]), float(bse[0])
    return Estimate(m, s, m - Z95 * s, m + Z95 * s, int(v.size), method.replace("OLS", "mean"))


def volatility(values: np.ndarray) -> Estimate:
    """The standard deviation of a series; se ``sd / sqrt(2(n − 1))`` (normal theory)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 3:
        return missing(v.size)
    sd = float(np.std(v, ddof=1))
    s = sd / math.sqrt(2.0 * (v.size - 1))
    return Estimate(sd, s, max(0.0, sd - Z95 * s), sd + Z95 * s, int(v.size),
                    "sample sd, normal-theory se")


def autocorrelation(values: np.ndarray) -> Estimate:
    """First-order sample autocorrelation ``Σ d_t d_{t−1} / Σ d_t²`` (d: demeaned series);
    se ``1/sqrt(n)`` (Bartlett, under no autocorrelation)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 4 or np.ptp(v) == 0:
        return missing(v.size)
    d = v - v.mean()
    r = float(np.dot(d[1:], d[:-1]) / np.dot(d, d))
    s = 1.0 / math.sqrt(v.size)
    return Estimate(r, s, r - Z95 * s, r + Z95 * s, int(v.size), "sample ACF, Bartlett se")


def trend(values: np.ndarray, years: np.ndarray, se: str = "hac") -> Estimate:
    """Linear trend per year: the slope of ``x_t = a + β t``."""
    v = np.asarray(values, dtype=float)
    t = np.asarray(years, dtype=float)
    keep = _finite(v, t)
    v, t = v[keep], t[keep]
    if v.size < 3 or np.ptp(t) == 0:
        return missing(v.size)
    coef, bse, method = _ols(v, t - t.mean(), se)
    b, s = float(coef[1]), float(bse[1])
    return Estimate(b, s, b - Z95 * s, b + Z95 * s, int(v.size), method)


def bass(adopted: np.ndarray, se: str = "plain") -> tuple[Estimate, Estimate]:
    """Bass's p and q from a share of adopters over time (hazard regression).

    Args:
        adopted: the share of the potential adopters who have adopted, per observation.
        se: ``"hac"`` or ``"plain"``.

    Returns:
        ``(p, q)`` per observation period (a year for yearly series).
    """
    f = np.asarray(adopted, dtype=float)
    f = f[np.isfinite(f)]
    if f.size < 4:
        return missing(f.size), missing(f.size)
    prev, nxt = f[:-1], f[1:]
    room = 1.0 - prev
    keep = room > 1e-9
    hazard = (nxt[keep] - prev[keep]) / room[keep]
    if hazard.size < 3 or np.ptp(prev[keep]) == 0:
        return missing(hazard.size), missing(hazard.size)
    coef, bse, method = _ols(hazard, prev[keep], se)
    out = []
    for c, s in zip(coef, bse, strict=True):
        out.append(Estimate(float(c), float(s), float(c - Z95 * s), float(c + Z95 * s),
                            int(hazard.size), method))
    return out[0], out[1]
