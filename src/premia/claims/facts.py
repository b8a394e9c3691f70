"""Stylized facts: the model's long-run margins and utilisation beside real figures.

References (gross margins and capacity utilisation; see ``docs/calibration.md``):
contract manufacturing (Foxconn / Hon Hai, 5.9-7.4%, 2016-19); technology leaders (TSMC
about 56%, Nvidia about 75%); heritage houses (Hermes about 70%); China's industrial
capacity utilisation 73.6-76.2% (2022-24, National Bureau of Statistics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from premia.claims.measures import tail
from premia.results import Results

REFERENCES: list[dict[str, Any]] = [
    {"kind": "commodity", "measure": "gross_margin",
     "reference": "Foxconn (Hon Hai) gross margin 5.9-7.4% (2016-19)", "low": 0.059,
     "high": 0.074},
    {"kind": "technology", "measure": "gross_margin",
     "reference": "TSMC about 56%, Nvidia about 75% gross margin", "low": 0.56, "high": 0.75},
    {"kind": "culture", "measure": "gross_margin",
     "reference": "Hermes gross margin about 70%", "low": 0.69, "high": 0.72},
    {"kind": "commodity", "measure": "utilization",
     "reference": "China industrial capacity utilisation 73.6-76.2% (2022-24)", "low": 0.736,
     "high": 0.762},
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
