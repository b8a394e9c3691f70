"""Loading scenario files and applying ``PATH=VALUE`` overrides, with one-line errors.

Override paths follow the file: ``scenario.periods``, ``consumers.income_mean``,
``category.<id>.<field>``, ``region.<id>.<field>``, ``culture.<id>.<field>``,
``creator.<id>.<field>``, ``firms.<index>.<field>`` and ``event.<index>.<field>``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from premia.scenario import Scenario

KEYED = ("category", "region", "culture", "creator")
INDEXED = ("firms", "event")
SECTIONS = ("scenario", "consumers")


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``str(err)`` is one line naming file and field."""


def parse_value(text: str) -> Any:
    """Parse an override's value as a TOML value, falling back to a bare string.

    Args:
        text: e.g. ``"0.5"``, ``"true"``, ``"[1, 2]"`` or ``"nash"``.

    Returns:
        The parsed value.
    """
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _locate(raw: dict[str, Any], path: str, source: str) -> tuple[dict[str, Any], str]:
    parts = path.split(".")
    head = parts[0]
    if head in SECTIONS and len(parts) == 2:
        return raw.setdefault(head, {}), parts[1]
    if head in KEYED and len(parts) == 3:
        for item in raw.get(head, []):
            if item.get("id") == parts[1]:
                return item, parts[2]
        known = ", ".join(str(i.get("id")) for i in raw.get(head, [])) or "none"
        raise ScenarioError(f"{source}: override {path}: no {head} {parts[1]!r} (known: {known})")
    if head in INDEXED and len(parts) == 3 and parts[1].isdigit():
        items = raw.get(head, [])
        index = int(parts[1])
        if index >= len(items):
            raise ScenarioError(
                f"{source}: override {path}: {head} has indices 0..{len(items) - 1}"
            )
        return items[index], parts[2]
    raise ScenarioError(
        f"{source}: override {path!r}: use scenario.F, consumers.F, "
        f"category|region|culture|creator.ID.F or firms|event.INDEX.F"
    )


def apply_overrides(
    raw: dict[str, Any], overrides: Mapping[str, Any], source: str = "<scenario>"
) -> dict[str, Any]:
    """Return a copy of a raw scenario mapping with overrides applied.

    Args:
        raw: the parsed TOML.
        overrides: ``{path: value}``; string values are parsed as TOML values.
        source: file name used in error messages.

    Returns:
        A new mapping; ``raw`` is not changed.
    """
    out = copy.deepcopy(raw)
    for path, value in overrides.items():
        target, field = _locate(out, path, source)
        target[field] = parse_value(value) if isinstance(value, str) else value
    return out


def integer_paths(raw: Mapping[str, Any], paths: Iterable[str]) -> set[str]:
    """The override paths among ``paths`` whose schema field holds an integer.

    Sampling designs use this to round their points on integer fields (months, counts).
    """
    from premia import events, scenario

    models: dict[str, type] = {
        "scenario": scenario.RunSettings, "consumers": scenario.ConsumerSettings,
        "category": scenario.Category, "region": scenario.Region,
        "culture": scenario.Culture, "creator": scenario.Creator, "firms": scenario.FirmGroup,
    }
    kinds = {cls.model_fields["kind"].annotation.__args__[0]: cls
             for cls in typing.get_args(typing.get_args(events.Event)[0])}
    out: set[str] = set()
    for path in paths:
        parts = path.split(".")
        model = models.get(parts[0])
        if parts[0] == "event" and len(parts) == 3 and parts[1].isdigit():
            items = raw.get("event", [])
            index = int(parts[1])
            model = kinds.get(items[index].get("kind")) if index < len(items) else None
        field = model.model_fields.get(parts[-1]) if model is not None else None
        if field is not None and (field.annotation is int
                                  or int in typing.get_args(field.annotation)):
            out.add(path)
    return out


def _loc_text(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int) and i == 1 and loc[0] in KEYED:
            entries = raw.get(str(loc[0]), [])
            ident = entries[item].get("id") if item < len(entries) else None
            parts.append(str(ident if ident is not None else item))
        elif isinstance(item, str) and i == 2 and loc[0] == "event":
            continue  # the discriminator's tag ("modernize", ...) adds nothing
        else:
            parts.append(str(item))
    return ".".join(parts)


def _allowed(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "extra_forbidden":
        return "unknown key (not in the schema)"
    if err.get("type") == "missing":
        return "required field is missing"
    return msg.replace("Value error, ", "")


def validate_raw(raw: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a :class:`Scenario` or raise a one-line error.

    Args:
        raw: the parsed TOML with overrides applied.
        source: file name used in error messages.

    Returns:
        The validated scenario.
    """
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _loc_text(raw, tuple(err["loc"]))
        extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        prefix = f"{source}: {where}: " if where else f"{source}: "
        raise ScenarioError(f"{prefix}{_allowed(err)}{extra}") from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file, turning I/O and syntax problems into :class:`ScenarioError`."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: not valid TOML: {exc}") from None


def load_scenario(
    path: str | Path, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Load, override and validate a scenario file.

    Args:
        path: a TOML scenario file.
        overrides: optional ``{path: value}`` (see module docstring).

    Returns:
        The validated :class:`Scenario`.

    Raises:
        ScenarioError: with one line naming the file, the field and what is allowed.

    Example:
        >>> sc = load_scenario("scenarios/minimal.toml", {"category.phones.patent_length": 6})
        >>> [c.id for c in sc.category]
        ['goods', 'phones', 'embroidery']
    """
    raw = apply_overrides(read_toml(path), overrides or {}, str(path))
    return validate_raw(raw, str(path))


def scenario_hash(sc: Scenario) -> str:
    """A short content hash of a validated scenario (for run ids and reports)."""
    text = json.dumps(sc.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
