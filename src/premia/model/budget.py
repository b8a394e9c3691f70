"""The public accounts that pay for interventions (DESIGN §1.9).

Every yuan an intervention spends comes out of a public account: ``national`` or one
region's. Per period and account,

    balance_a(t) = balance_a(t-1) - sum_instruments spending_a,i(t),

starting from zero (a negative balance is what the account has spent in all). Instruments:
``media`` (a culture's media budget), ``promotion`` (an active creator's promotion budget),
``machines`` (machines bought for workshops under a modernization paid by the budget),
``entry_subsidy`` (the public share of entrants' sunk cost), ``machine_subsidy`` (the public
share of machines that workshops chose to buy) and ``heritage`` (spending on cultural
capital). The money goes to suppliers outside the simulated economy (media, equipment,
heritage work).

Each period's spending is kept as one row per account, instrument and target with spending
above zero: the ``public`` results table.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from premia.scenario import Scenario

INSTRUMENTS = ("media", "promotion", "machines", "entry_subsidy", "machine_subsidy",
               "heritage")
PUBLIC_SCHEMA = pa.schema([("period", pa.int64()), ("account", pa.string()),
                           ("instrument", pa.string()), ("target", pa.string()),
                           ("spending", pa.float64())])


def account_names(sc: Scenario) -> list[str]:
    """The public accounts of a scenario: ``national`` then each region's."""
    return ["national", *(r.id for r in sc.region)]


class PublicBudget:
    """Balances of the public accounts and the ledger of their spending."""

    def __init__(self, sc: Scenario) -> None:
        self.accounts = account_names(sc)
        self.index = {name: i for i, name in enumerate(self.accounts)}
        self.balance = np.zeros(len(self.accounts))
        self._rows: dict[tuple[int, int, str, str], float] = {}

    def spend(self, period: int, account: int, instrument: str, target: str,
              amount: float) -> None:
        """Pay ``amount`` yuan from ``account`` (an index) on ``instrument`` for ``target``."""
        if amount <= 0.0:
            return
        self.balance[account] -= amount
        key = (period, account, instrument, target)
        self._rows[key] = self._rows.get(key, 0.0) + float(amount)

    def spent(self, period: int | None = None) -> float:
        """Total spending (of one period, or of the whole run so far)."""
        return float(sum(v for (t, *_), v in self._rows.items()
                         if period is None or t == period))

    def table(self) -> pa.Table:
        """The ``public`` table: period, account, instrument, target, spending."""
        if not self._rows:
            return PUBLIC_SCHEMA.empty_table()
        keys = sorted(self._rows, key=lambda k: (k[0], k[1], INSTRUMENTS.index(k[2]), k[3]))
        return pa.table({
            "period": pa.array([k[0] for k in keys], pa.int64()),
            "account": pa.array([self.accounts[k[1]] for k in keys], pa.string()),
            "instrument": pa.array([k[2] for k in keys], pa.string()),
            "target": pa.array([k[3] for k in keys], pa.string()),
            "spending": pa.array([self._rows[k] for k in keys], pa.float64()),
        }, schema=PUBLIC_SCHEMA)
