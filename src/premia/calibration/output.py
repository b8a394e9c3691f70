"""What a fit writes: the calibrated scenario (TOML), tables (CSV), the fit (JSON), reports.

The calibrated scenario is the scenario file as it was (comments and layout kept,
through tomlkit) with the fixed overrides and the fitted values written in; each fitted
value carries a comment with its standard error. Every file is written atomically.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from premia.calibration.result import Fit
from premia.loading import _locate, integer_paths, read_toml
from premia.report.page import write_atomic


def _value(raw: Mapping[str, Any], path: str, value: float) -> float | int:
    return round(value) if path in integer_paths(raw, [path]) else float(value)


def calibrated_toml(fit: Fit, scenario: str | Path | Mapping[str, Any]) -> str:
    """The calibrated scenario as TOML text.

    Args:
        fit: the fit.
        scenario: the scenario file (or shipped name) the fit started from, or its raw
            mapping.
    """
    import tomlkit

    from premia.catalog import resolve

    if isinstance(scenario, Mapping):
        doc: Any = tomlkit.document()
        for key, val in scenario.items():
            doc[key] = val
        raw: Mapping[str, Any] = scenario
    else:
        path = resolve(scenario)
        raw = read_toml(path)
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for path_, val in fit.overrides.items():
        target, key = _locate(doc, path_, fit.source)
        target[key] = val
    for p, est, se in zip(fit.params, fit.estimates, fit.se, strict=True):
        target, key = _locate(doc, p.path, fit.source)
        target[key] = _value(raw, p.path, float(est))
        target.item(key).comment(f"calibrated: se {se:.3g}, range {p.low:g}..{p.high:g}")
    head = (f"# Calibrated by premia calibrate to {len(fit.targets)} moments "
            f"({fit.seeds} seeds per point, J = {fit.j_stat:.3g} with {fit.df} degrees of "
            f"freedom).\n# Fitted: {', '.join(fit.names)}.\n")
    return head + tomlkit.dumps(doc)


def _csv(frame: Any) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue()


def write_outputs(fit: Fit, scenario: str | Path | Mapping[str, Any], out: str | Path,
                  langs: tuple[str, ...] = ("en", "zh")) -> list[Path]:
    """Write the fit's files into ``out``; returns their paths.

    Files: ``calibrated.toml``, ``fit.json``, ``fit.csv`` (data beside model),
    ``params.csv`` (estimates, se, intervals), ``identification.csv`` (responses and
    sensitivities) and ``calibration.LANG.html`` (the report page).
    """
    from premia.report.calibration import calibration_report

    d = Path(out)
    ident = fit.response().reset_index(names="moment").melt(
        id_vars="moment", var_name="parameter", value_name="response_per_tenth_of_range")
    sens = fit.sensitivity.reshape(-1)  # parameters x moments, as the melt orders them
    ident["sensitivity_to_bias"] = sens
    paths = [
        write_atomic(d / "calibrated.toml", calibrated_toml(fit, scenario)),
        fit.save_json(d / "fit.json"),
        write_atomic(d / "fit.csv", _csv(fit.fit_table())),
        write_atomic(d / "params.csv", _csv(fit.params_table())),
        write_atomic(d / "identification.csv", _csv(ident)),
    ]
    paths += [write_atomic(d / f"calibration.{lang}.html", calibration_report(fit, lang))
              for lang in langs]
    return paths
