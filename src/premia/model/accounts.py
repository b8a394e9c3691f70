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

import numba as nb
import numpy as np

from premia.model.fastmath import maximum, minimum
from premia.model.state import Firms, Params, float_row

# rows of the firms' float block (``Firms.floats``)
(DEMAND, CAPACITY, SALES, UTILIZATION, LAST_REVENUE, REVENUE, PRICE, UNIT_COST, LABOUR,
 WAGES, MATERIALS, TRANSPORT, FIXED, RD_SPEND, RD_INTENSITY, COMMISSION, PROFIT, CASH,
 DIVIDENDS) = (float_row(name) for name in (
    "demand", "capacity", "sales", "utilization", "last_revenue", "revenue", "price",
    "unit_cost", "labour", "wages", "materials", "transport", "fixed", "rd_spend",
    "rd_intensity", "commission", "profit", "cash", "dividends"))


def settle(firms: Firms, p: Params) -> None:
    """Book sales, revenue, costs, profit and cash of every living firm in place.

    ``firms.demand`` must hold this period's demand and ``firms.price`` the prices paid;
    ``firms.labour`` is the labour per unit that ``costs.refresh`` set.
    """
    _settle(firms.floats, firms.alive, firms.category, firms.region, p.cat["defect_rate"],
            p.cat["fixed_cost"], p.reg["wage"], p.reg["transport"])


def pay_dividends(firms: Firms, p: Params) -> None:
    """Pay the owners' share of positive profit out of cash (never more than the cash)."""
    _pay_dividends(firms.floats, firms.alive, firms.region, p.reg["owner_share"])


@nb.njit(cache=True, error_model="numpy")
def _settle(F, alive, category, region, defect, fixed_cost, wage,
            transport_rate):  # pragma: no cover - compiled
    """The module's equations firm by firm, in the order and precision of the NumPy
    expressions they replace (dead slots keep zero books)."""
    for f in range(alive.size):
        live, c, r = alive[f], category[f], region[f]
        sales = minimum(F[DEMAND, f], F[CAPACITY, f]) if live else 0.0
        F[SALES, f] = sales
        F[UTILIZATION, f] = sales / F[CAPACITY, f] if live else 0.0
        F[LAST_REVENUE, f] = F[REVENUE, f]
        F[REVENUE, f] = F[PRICE, f] * sales
        produced = sales / (1.0 - defect[c])
        production = F[UNIT_COST, f] * produced
        wages = minimum(wage[r] * F[LABOUR, f] * produced, production) if live else 0.0
        F[WAGES, f] = wages
        F[MATERIALS, f] = production - wages if live else 0.0
        F[TRANSPORT, f] = transport_rate[r] * sales if live else 0.0
        F[FIXED, f] = fixed_cost[c] * F[CAPACITY, f] if live else 0.0
        F[RD_SPEND, f] = F[RD_INTENSITY, f] * F[LAST_REVENUE, f] if live else 0.0
        F[COMMISSION, f] = 0.0
        profit = (F[REVENUE, f] - F[WAGES, f] - F[MATERIALS, f] - F[TRANSPORT, f]
                  - F[FIXED, f] - F[RD_SPEND, f])
        F[PROFIT, f] = profit if live else 0.0
        F[CASH, f] += F[PROFIT, f]


@nb.njit(cache=True, error_model="numpy")
def _pay_dividends(F, alive, region, owner_share):  # pragma: no cover - compiled
    for f in range(alive.size):
        due = owner_share[region[f]] * maximum(F[PROFIT, f], 0.0)
        paid = minimum(due, maximum(F[CASH, f], 0.0)) if alive[f] else 0.0
        F[DIVIDENDS, f] = paid
        F[CASH, f] -= paid


@nb.njit(cache=True, error_model="numpy")
def smooth_market_books(F, alive, category, weight, margin, profit,
                        demand):  # pragma: no cover - compiled
    """Per category c, from the living firms' revenue R, profit P and demand D this period:
    x_c <- x_c + weight (X_c - x_c) for the net margin P/R (0 without revenue), the total
    profit and the total demand (sums in slot order)."""
    rev, prof, dem = np.zeros(margin.size), np.zeros(margin.size), np.zeros(margin.size)
    for f in range(alive.size):
        c, live = category[f], alive[f]
        rev[c] += F[REVENUE, f] if live else 0.0
        prof[c] += F[PROFIT, f] if live else 0.0
        dem[c] += F[DEMAND, f] if live else 0.0
    for c in range(margin.size):
        net = prof[c] / rev[c] if rev[c] > 0 else 0.0
        margin[c] += weight * (net - margin[c])
        profit[c] += weight * (prof[c] - profit[c])
        demand[c] += weight * (dem[c] - demand[c])


def start_period(firms: Firms) -> None:
    """Clear the per-period payments that events, entry and growth add to."""
    firms.investment[:] = 0.0
    firms.injection[:] = 0.0


def served_share(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Share of each good's demand that is served: min(1, K / D)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > capacity, capacity / np.where(demand > 0, demand, 1.0), 1.0)
