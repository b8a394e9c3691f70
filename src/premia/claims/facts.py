"""Stylized facts: the model's long-run margins and utilisation beside real figures.

The ranges are what real industries of each kind show (sources in
``docs/calibration.md``): contract manufacturing and commodity producers, 3-10% gross
margin (Hon Hai 5.9-7.4%, 2016-19); technology, 40-75% (US semiconductor industry median
about 48%, TSMC about 56%, Nvidia about 75%); culture and heritage goods, 45-80% (US
apparel industry about 50-60%, Hermes about 70%); capacity utilisation of commodity
industry, 70-80% (China 73.6-76.2%, 2022-24, National Bureau of Statistics; US total
industry long-run average about 78%, Federal Reserve G.17).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from premia.claims.measures import tail
from premia.results import Results

REFERENCES: list[dict[str, Any]] = [
    {"kind": "commodity", "measure": "gross_margin",
     "reference": "commodity manufacturing 3-10% gross margin (Hon Hai 5.9-7.4%, 2016-19)",
     "low": 0.03, "high": 0.10},
    {"kind": "technology", "measure": "gross_margin",
     "reference": "technology 40-75% (US semiconductors median about 48%, TSMC about 56%, "
                  "Nvidia about 75%)", "low": 0.40, "high": 0.75},
    {"kind": "culture", "measure": "gross_margin",
     "reference": "culture and heritage goods 45-80% (US apparel about 50-60%, Hermes "
                  "about 70%)", "low": 0.45, "high": 0.80},
    {"kind": "commodity", "measure": "utilization",
     "reference": "industrial capacity utilisation 70-80% (China 73.6-76.2%, 2022-24; "
                  "US long-run average about 78%)", "low": 0.70, "high": 0.80},
]


def category_facts(res: Results) -> list[dict[str, Any]]:
    """Long-run gross margin and utilisation of every category of one run."""
    cat = tail(res.categories)
    kinds = res.meta["scenario"]["category"]
    kind_of = {c["id"]: c["kind"] for c in kinds}
    out = []
    for name, rows in cat.groupby("category", sort=False):
        out.append({"category": str(name), "kind": kind_of[str(name)],
                    "gross_margin": float(rows["gross_margin"].mean()),
                    "utilization": float(rows["utilization"].mean())})
    return out


def stylized_facts(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The references with the model's mean value for each kind (None if not simulated)."""
    out = []
    for ref in REFERENCES:
        values = [f[ref["measure"]] for f in facts if f["kind"] == ref["kind"]]
        model = float(np.mean(values)) if values else None
        out.append({**ref, "model": model, "runs": len(values)})
    return out
