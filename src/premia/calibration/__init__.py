"""Fitting the model to data: moments from real series and from runs, and the SMM fit.

Example:
    >>> from premia.calibration import read_csv, series_moments
    >>> lr = series_moments(read_csv("data/pcdb/DRAM.csv"))["learning_rate"]
    >>> round(lr.value, 3)
    0.386
"""

from premia.calibration.moments import Estimate
from premia.calibration.result import Fit
from premia.calibration.series import SeriesError, category_series, read_csv, series_moments
from premia.calibration.smm import calibrate
from premia.calibration.statistics import STATISTICS, StatisticError, run_table, value
from premia.calibration.targets import (
    Moment,
    MomentFile,
    Param,
    TargetError,
    fit_targets,
    load_moments,
    parse_param,
)

__all__ = ["STATISTICS", "Estimate", "Fit", "Moment", "MomentFile", "Param", "SeriesError",
           "StatisticError", "TargetError", "calibrate", "category_series", "fit_targets",
           "load_moments", "parse_param", "read_csv", "run_table", "series_moments", "value"]
