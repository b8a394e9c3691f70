"""Regions and households (DESIGN §1.8).

Each region is represented by ``HOUSEHOLD_SAMPLE`` households with log-normal base incomes.
Per period a household earns

    y_h = base_h + wage_r [h is employed] + (dividends_r + creator income_r) / H_r

Jobs are the worker-months local firms use (labour per unit x units produced; handmade
work needs far more labour than machine work); employed households are the first ones in
a fixed random order, each with one worker earning the wage. The dividends local firms pay
out of their cash (``accounts.pay_dividends``) and the income of the region's creators
are shared equally. The region's totals of wages, dividends and creator income are
reported exactly (the sample of households approximates how they are spread).

Reported per region: mean income, poverty headcount (share below the poverty line), Gini,
artisan jobs (handmade worker-months), active traditional workshops (living culture or
hybrid firms with modern share below one half) and value added per worker ((revenue -
materials - transport) / workers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from premia.model.state import Params, State, float_row
from premia.scenario import Scenario

HOUSEHOLD_SAMPLE = 1000


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, near 1 concentrated).

    Example:
        >>> gini(np.array([1.0, 1.0, 1.0]))
        0.0
        >>> round(gini(np.array([0.0, 0.0, 0.0, 1.0])), 6)
        0.75
    """
    v = np.sort(np.asarray(x, dtype=np.float64))[None, :]
    return float(sorted_income_figures(v, np.zeros(1))[2][0])


def poverty_headcount(incomes: np.ndarray, line: float) -> float:
    """Share of households whose income is below ``line``."""
    v = np.asarray(incomes, dtype=np.float64)[None, :]
    return float(sorted_income_figures(v, np.array([float(line)]))[1][0])


@dataclass
class RegionIncomes:
    """One period's per-region figures (arrays indexed by region)."""

    mean_income: np.ndarray
    poverty_headcount: np.ndarray
    gini: np.ndarray
    jobs: np.ndarray
    artisan_jobs: np.ndarray
    workshops_active: np.ndarray
    value_added_per_worker: np.ndarray
    wage_income: np.ndarray
    dividend_income: np.ndarray
    creator_income: np.ndarray


class Households:
    """Representative households of every region."""

    def __init__(self, sc: Scenario, p: Params, rng: np.random.Generator) -> None:
        self.params = p
        self.households = np.array([r.households for r in sc.region])
        self.base = np.stack([
            r.base_income * np.exp(r.income_sigma * rng.standard_normal(HOUSEHOLD_SAMPLE)
                                   - 0.5 * r.income_sigma**2) for r in sc.region])
        self.creator_region = np.array(
            [[r.id for r in sc.region].index(z.region) for z in sc.creator], np.int64)

    def incomes(self, state: State, culture) -> RegionIncomes:
        """Households' incomes and the regional figures of this period."""
        f, p = state.firms, self.params
        n_r = self.households.size
        jobs, artisan, workshops, added, dividends, wages = _region_totals(
            f.floats, f.alive, f.category, f.region, p.kind, p.cat["defect_rate"],
            p.cat["labour_hand"], n_r)
        creator = np.bincount(self.creator_region, weights=culture.creator_income(state),
                              minlength=n_r) if self.creator_region.size else np.zeros(n_r)
        transfer = (dividends + creator) / self.households
        employed_share = np.minimum(jobs / self.households, 1.0)
        n_employed = np.floor(employed_share * HOUSEHOLD_SAMPLE + 0.5).astype(np.int64)
        y = np.sort(household_incomes(self.base, transfer, p.reg["wage"], n_employed), axis=1)
        mean, poor, gini_r = sorted_income_figures(y, p.reg["poverty_line"])
        return RegionIncomes(
            mean_income=mean,
            poverty_headcount=poor,
            gini=gini_r,
            jobs=jobs,
            artisan_jobs=artisan,
            workshops_active=workshops,
            value_added_per_worker=np.where(jobs > 0, added / np.maximum(jobs, 1e-12), 0.0),
            wage_income=wages,
            dividend_income=dividends,
            creator_income=creator,
        )


@nb.njit(cache=True, error_model="numpy")
def household_incomes(base, transfer, wage, n_employed):  # pragma: no cover - compiled
    """y_rh = base_rh + transfer_r + wage_r for the first n_employed_r households of each
    region, base_rh + transfer_r for the others."""
    y = np.empty_like(base)
    for r in range(base.shape[0]):
        for h in range(base.shape[1]):
            y[r, h] = base[r, h] + transfer[r] + (wage[r] if h < n_employed[r] else 0.0)
    return y


@nb.njit(cache=True, error_model="numpy")
def sorted_income_figures(y, poverty_line):  # pragma: no cover - compiled
    """Per region, from incomes sorted within each row: the mean, the share below the
    poverty line and the Gini 2 sum_h h y_(h) / (n sum_h y_h) - (n + 1) / n (0 when the
    total is not positive), as :func:`gini` computes it."""
    n_r, n = y.shape
    mean, poor, gini_r = np.zeros(n_r), np.zeros(n_r), np.zeros(n_r)
    for r in range(n_r):
        total, ranked, below = 0.0, 0.0, 0
        for h in range(n):
            total += y[r, h]
            ranked += (h + 1) * y[r, h]
            below += y[r, h] < poverty_line[r]
        if n == 0:
            continue
        mean[r] = total / n
        poor[r] = below / n
        if total > 0:
            gini_r[r] = min(max(2.0 * ranked / (n * total) - (n + 1.0) / n, 0.0), 1.0)
    return mean, poor, gini_r


SALES, LABOUR, MODERN_SHARE, EFFICIENCY, REVENUE, MATERIALS, TRANSPORT, DIVIDENDS, WAGES = (
    float_row(name) for name in ("sales", "labour", "modern_share", "efficiency", "revenue",
                                 "materials", "transport", "dividends", "wages"))


@nb.njit(cache=True, error_model="numpy")
def _region_totals(F, alive, category, region, kind, defect, labour_hand,
                   n_regions):  # pragma: no cover - compiled
    """Per region, summed over its firms in slot order: worker-months L_f x produced,
    handmade worker-months, traditional workshops (living culture or hybrid firms with
    modern share below one half), value added (revenue - materials - transport),
    dividends and wages."""
    jobs, artisan, workshops = np.zeros(n_regions), np.zeros(n_regions), np.zeros(n_regions)
    added, dividends, wages = np.zeros(n_regions), np.zeros(n_regions), np.zeros(n_regions)
    for f in range(alive.size):
        c, r, live = category[f], region[f], alive[f]
        produced = F[SALES, f] / (1.0 - defect[c])
        m = F[MODERN_SHARE, f]
        jobs[r] += F[LABOUR, f] * produced if live else 0.0
        artisan[r] += (1.0 - m) * labour_hand[c] * F[EFFICIENCY, f] * produced if live else 0.0
        workshops[r] += 1.0 if live and (kind[c] == 2 or kind[c] == 3) and m < 0.5 else 0.0
        added[r] += F[REVENUE, f] - F[MATERIALS, f] - F[TRANSPORT, f] if live else 0.0
        dividends[r] += F[DIVIDENDS, f]
        wages[r] += F[WAGES, f] if live else 0.0
    return jobs, artisan, workshops, added, dividends, wages
