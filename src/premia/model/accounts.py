"""Firms' accounts for one period (DESIGN §1.2, §1.8).

    sales_f    = min(D_f, K_f)
    revenue_f  = p_f sales_f
    production = c_f sales_f / (1 - delta_c)          (defective units are made, not sold)
    transport  = tau_r sales_f
    fixed      = kappa_c K_f
    R&D        = rho_f revenue_f(t-1)
    profit_f   = revenue - production - transport - fixed - R&D,   cash_f += profit_f

Reported: markup p/c - 1 on production cost, gross margin (p - c)/p, net margin
profit/revenue. Wages are wage_r x labour per unit x units produced (part of production
cost); the rest of production cost is materials.
"""

from __future__ import annotations

import numpy as np

from premia.model.costs import labour_per_unit
from premia.model.state import Firms, Params


def settle(firms: Firms, p: Params) -> None:
    """Book sales, revenue, costs, profit and cash of every living firm in place.

    ``firms.demand`` must hold this period's demand and ``firms.price`` the prices paid.
    """
    alive = firms.alive
    c = firms.category
    firms.sales[:] = np.where(alive, np.minimum(firms.demand, firms.capacity), 0.0)
    firms.utilization[:] = np.where(alive, firms.sales / np.where(alive, firms.capacity, 1.0),
                                    0.0)
    firms.last_revenue[:] = firms.revenue
    firms.revenue[:] = firms.price * firms.sales
    produced = firms.sales / (1.0 - p.cat["defect_rate"][c])
    production = firms.unit_cost * produced
    transport = p.reg["transport"][firms.region] * firms.sales
    fixed = p.cat["fixed_cost"][c] * firms.capacity
    firms.rd_spend[:] = np.where(alive, firms.rd_intensity * firms.last_revenue, 0.0)
    profit = firms.revenue - production - transport - fixed - firms.rd_spend
    firms.profit[:] = np.where(alive, profit, 0.0)
    firms.cash[:] += firms.profit
    wages = p.reg["wage"][firms.region] * labour_per_unit(firms, p) * produced
    firms.wages[:] = np.where(alive, np.minimum(wages, production), 0.0)


def served_share(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Share of each good's demand that is served: min(1, K / D)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > capacity, capacity / np.where(demand > 0, demand, 1.0), 1.0)
