"""Experiments on the model: sweeps into a run store, sensitivity analysis, phase diagrams.

Example:
    >>> import premia
    >>> store = premia.sweep("minimal", store="sweeps/demo", seeds=2,      # doctest: +SKIP
    ...                      values={"scenario.pricing": ["adaptive", "nash"]})
    >>> store.runs().status.value_counts()                                # doctest: +SKIP
"""

from premia.experiments.phase import PhaseResult, phase
from premia.experiments.sensitivity import SensitivityResult, sensitivity
from premia.experiments.store import Store, StoreError
from premia.experiments.sweep import sweep

__all__ = ["PhaseResult", "SensitivityResult", "Store", "StoreError", "phase", "sensitivity",
           "sweep"]
