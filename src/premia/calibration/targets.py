"""Target moments (a TOML or CSV file of real figures) and the parameters to fit.

A moments file (``data/moments.toml`` is the project's) holds ``[settings]`` and one
``[[moment]]`` table per figure::

    [settings]
    months_per_observation = 12     # model periods per observation of the data (a year)

    [[moment]]
    id = "gross_margin.technology"
    value = 0.571                   # in the unit below
    se = 0.084                      # standard error; omit when unknown
    se_basis = "derived: sd across the three firms / sqrt(3)"
    unit = "share of revenue"
    kind = "technology"
    year = "2023"
    source = "TSMC Annual Report 2023; ..."
    model = "gross_margin:kind=technology"   # the model statistic it is compared with

A CSV file has the same fields as columns (one moment per row; no settings). Only moments
with a ``model`` statistic and a standard error can be fitted; the others are reference
figures.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from premia.calibration.statistics import StatisticError, parse


class TargetError(ValueError):
    """A moments file or a parameter range that cannot be used (one line)."""


class Moment(BaseModel):
    """One real figure and the model statistic it is compared with."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.:-]*$", max_length=80)
    description: str = ""
    value: float = Field(allow_inf_nan=False)
    se: float | None = Field(None, gt=0, allow_inf_nan=False)
    se_basis: str = Field("", description="reported, derived: HOW, or assumed: WHY")
    unit: str = ""
    kind: str = ""
    year: str = ""
    source: str = Field(min_length=1)
    model: str | None = Field(None, description="statistic NAME:SELECTOR")


class Settings(BaseModel):
    """``[settings]`` of a moments file."""

    model_config = ConfigDict(extra="forbid")
    months_per_observation: int = Field(12, ge=1, le=120)


class MomentFile(BaseModel):
    """A whole moments file."""

    model_config = ConfigDict(extra="forbid")
    settings: Settings = Field(default_factory=Settings)
    moment: list[Moment] = Field(min_length=1)


def _where(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    if len(loc) >= 2 and loc[0] == "moment" and isinstance(loc[1], int):
        items = data.get("moment", [])
        ident = items[loc[1]].get("id") if loc[1] < len(items) else None
        head = f"moment {ident!r}" if ident else f"moment {loc[1]}"
        return ".".join([head, *map(str, loc[2:])])
    return ".".join(map(str, loc))


def _read(p: Path) -> dict[str, Any]:
    try:
        if p.suffix.lower() == ".csv":
            frame = pd.read_csv(p, dtype={"year": str})
            rows = [{k: v for k, v in r.items() if not (isinstance(v, float) and math.isnan(v))}
                    for r in frame.to_dict("records")]
            return {"moment": rows}
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise TargetError(f"{p}: not a readable moments file ({exc})") from None


def load_moments(path: str | Path) -> MomentFile:
    """Read and validate a moments file (TOML, or CSV by its suffix).

    Raises:
        TargetError: one line naming the file, the moment and the field.
    """
    p = Path(path)
    data = _read(p)
    try:
        mf = MomentFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).replace("Value error, ", "")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (allowed: " + ", ".join(Moment.model_fields) + ")"
        raise TargetError(f"{p}: {_where(tuple(err['loc']), data)}: {msg}") from None
    seen: set[str] = set()
    for m in mf.moment:
        if m.id in seen:
            raise TargetError(f"{p}: moment {m.id!r}: id used twice")
        seen.add(m.id)
        if m.model is not None:
            try:
                parse(m.model)
            except StatisticError as exc:
                raise TargetError(f"{p}: moment {m.id!r}: model: {exc}") from None
    return mf


def fit_targets(mf: MomentFile, only: list[str] | None = None,
                source: str = "<moments>") -> list[Moment]:
    """The moments a fit uses: those named in ``only`` (default: every moment with a
    ``model`` statistic and a standard error).

    Raises:
        TargetError: a named moment is unknown or lacks a statistic or a standard error.
    """
    by_id = {m.id: m for m in mf.moment}
    if only:
        unknown = [i for i in only if i not in by_id]
        if unknown:
            raise TargetError(f"{source}: no moment {unknown[0]!r} "
                              f"(known: {', '.join(by_id)})")
        chosen = [by_id[i] for i in only]
        for m in chosen:
            if m.model is None or m.se is None:
                what = "model statistic" if m.model is None else "standard error (se)"
                raise TargetError(f"{source}: moment {m.id!r} has no {what}; it cannot be "
                                  "fitted")
        return chosen
    chosen = [m for m in mf.moment if m.model is not None and m.se is not None]
    if not chosen:
        raise TargetError(f"{source}: no moment has both a model statistic and an se")
    return chosen


@dataclass(frozen=True)
class Param:
    """A parameter to fit: an override path and its bounds."""

    path: str
    low: float
    high: float

    @property
    def span(self) -> float:
        """``high − low``."""
        return self.high - self.low


def parse_param(text: str) -> Param:
    """``"PATH=LO:HI"`` -> :class:`Param`.

    Raises:
        TargetError: malformed text or ``LO >= HI``.

    Example:
        >>> parse_param("category.phones.price_weight=0.001:0.004")
        Param(path='category.phones.price_weight', low=0.001, high=0.004)
    """
    path, sep, rng = text.partition("=")
    lo_text, colon, hi_text = rng.partition(":")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        lo = hi = math.nan
    if not sep or not colon or not path.strip() or not (math.isfinite(lo)
                                                        and math.isfinite(hi)):
        raise TargetError(f"--param {text!r}: expected PATH=LO:HI, "
                          "e.g. category.phones.price_weight=0.001:0.004")
    if lo >= hi:
        raise TargetError(f"--param {text!r}: LO must be below HI")
    return Param(path.strip(), lo, hi)
