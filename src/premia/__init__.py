"""premia: technology premiums and cultural premiums in one agent-based economy.

Example:
    >>> import premia
    >>> sc = premia.load_scenario("minimal")        # a shipped name or a TOML file
    >>> res = premia.simulate(sc, seed=1)          # doctest: +SKIP
    >>> res.categories.groupby("category").mean_markup.mean()  # doctest: +SKIP
"""

from premia.api import load_scenario, simulate
from premia.experiments import Store, phase, sensitivity, sweep
from premia.loading import ScenarioError
from premia.results import Results
from premia.scenario import Scenario

__all__ = ["Results", "Scenario", "ScenarioError", "Store", "load_scenario", "phase",
           "sensitivity", "simulate", "sweep"]
__version__ = "0.1.0"
