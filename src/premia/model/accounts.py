"""Firms' accounts for one period (DESIGN §1.2, §1.8).

    sales_f     = min(D_f, K_f)
    revenue_f   = p_f sales_f
    produced_f  = sales_f / (1 - delta_c)          (defective units are made, not sold)
    wages_f     = w_r L_f produced_f               (labour, paid to the region's households)
    materials_f = (c_f - w_r L_f) produced_f
    transport_f = tau_r sales_f
    fixed_f     = kappa_c K_f
    R&D_f       = rho_f revenue_f(t-1)
    profit_f    = revenue - wages - materials - transport - fixed - R&D - commission
    dividend_f  = min(owner_share_r max(profit_f, 0), max(cash_f, 0))

and cash moves by

    cash_f(t) = cash_f(t-1) + injection_f + profit_f - dividend_f - investment_f,

injection being the owners' capital that comes with an entrant and investment what the
firm pays this period for plant, added capacity and machines. The commission is paid to a
creator (``culture.pay_commissions``), dividends to the households of the firm's region.

Reported: markup p/c - 1 on production cost, gross margin (p - c)/p, net margin
profit/revenue.
"""

from __future__ import annotations

import numpy as np

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
    wages = p.reg["wage"][firms.region] * firms.labour * produced  # L_f from costs.refresh
    firms.wages[:] = np.where(alive, np.minimum(wages, production), 0.0)
    firms.materials[:] = np.where(alive, production - firms.wages, 0.0)
    firms.transport[:] = np.where(alive, p.reg["transport"][firms.region] * firms.sales, 0.0)
    firms.fixed[:] = np.where(alive, p.cat["fixed_cost"][c] * firms.capacity, 0.0)
    firms.rd_spend[:] = np.where(alive, firms.rd_intensity * firms.last_revenue, 0.0)
    firms.commission[:] = 0.0
    profit = (firms.revenue - firms.wages - firms.materials - firms.transport - firms.fixed
              - firms.rd_spend)
    firms.profit[:] = np.where(alive, profit, 0.0)
    firms.cash[:] += firms.profit


def pay_dividends(firms: Firms, p: Params) -> None:
    """Pay the owners' share of positive profit out of cash (never more than the cash)."""
    share = p.reg["owner_share"][firms.region]
    due = share * np.maximum(firms.profit, 0.0)
    paid = np.where(firms.alive, np.minimum(due, np.maximum(firms.cash, 0.0)), 0.0)
    firms.dividends[:] = paid
    firms.cash[:] -= paid


def start_period(firms: Firms) -> None:
    """Clear the per-period payments that events, entry and growth add to."""
    firms.investment[:] = 0.0
    firms.injection[:] = 0.0


def served_share(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Share of each good's demand that is served: min(1, K / D)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > capacity, capacity / np.where(demand > 0, demand, 1.0), 1.0)
