"""Loading scenario files and applying ``PATH=VALUE`` overrides, with one-line errors.

Override paths follow the file: ``scenario.periods``, ``consumers.income_mean``,
``category.<id>.<field>``, ``region.<id>.<field>``, ``culture.<id>.<field>``,
``creator.<id>.<field>``, ``firms.<index>.<field>`` and ``event.<index>.<field>``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import stat
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
MAX_FILE_BYTES = 4 << 20  # a scenario file is a few kilobytes; refuse what cannot be one


class ScenarioError(ValueError):
    """A scenario that cannot be used.

    ``str(err)`` has one line per problem, each naming the file and the field; most errors
    have a single line. ``err.problems`` lists the lines.
    """

    @property
    def problems(self) -> list[str]:
        """The problems, one line each."""
        return str(self).split("\n")


def one_line(text: str) -> str:
    """``text`` with newlines and other control characters escaped (``\\n``), so that
    a message quoting user input stays on one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def _kind(value: Any) -> str:
    names = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
             dict: "table"}
    return names.get(type(value), type(value).__name__)


def parse_value(text: str) -> Any:
    """Parse an override's value as a TOML value, falling back to a bare string.

    Args:
        text: e.g. ``"0.5"``, ``"true"``, ``"[1, 2]"`` or ``"nash"``.

    Returns:
        The parsed value.
    """
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError):  # TOMLDecodeError, or an integer of 4,300+ digits
        return text


def _table(value: Any, source: str, where: str, form: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(one_line(f"{source}: {where}: must be a table ({form}), "
                                     f"not a {_kind(value)}"))
    return value


def _entries(raw: dict[str, Any], head: str, source: str) -> list[Any]:
    items = raw.get(head, [])
    if not isinstance(items, list):
        raise ScenarioError(one_line(f"{source}: {head}: must be an array of tables "
                                     f"([[{head}]]), not a {_kind(items)}"))
    return items


def _locate(raw: dict[str, Any], path: str, source: str) -> tuple[dict[str, Any], str]:
    parts = path.split(".")
    head = parts[0]
    if head in SECTIONS and len(parts) == 2:
        return _table(raw.setdefault(head, {}), source, head, f"[{head}]"), parts[1]
    if head in KEYED and len(parts) == 3:
        tables = [i for i in _entries(raw, head, source) if isinstance(i, dict)]
        for item in tables:
            if item.get("id") == parts[1]:
                return item, parts[2]
        known = ", ".join(str(i.get("id")) for i in tables) or "none"
        raise ScenarioError(one_line(f"{source}: override {path}: no {head} {parts[1]!r} "
                                     f"(known: {known})"))
    if head in INDEXED and len(parts) == 3 and parts[1].isdigit():
        items = _entries(raw, head, source)
        index = int(parts[1])
        if index >= len(items):
            raise ScenarioError(one_line(
                f"{source}: override {path}: {head} has indices 0..{len(items) - 1}"))
        return _table(items[index], source, f"{head}.{index}", f"[[{head}]]"), parts[2]
    raise ScenarioError(one_line(
        f"{source}: override {path!r}: use scenario.F, consumers.F, "
        f"category|region|culture|creator.ID.F or firms|event.INDEX.F"))


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
        if not isinstance(path, str):
            raise ScenarioError(one_line(f"{source}: override {path!r}: override keys are "
                                         f"strings such as 'scenario.periods'"))
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
            entry = entries[item] if isinstance(entries, list) and item < len(entries) else None
            ident = entry.get("id") if isinstance(entry, dict) else None
            parts.append(str(ident) if isinstance(ident, str) and ident else str(item))
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
        lines: list[str] = []
        for err in exc.errors():
            where = _loc_text(raw, tuple(err["loc"]))
            prefix = f"{source}: {where}: " if where else f"{source}: "
            lines += [one_line(prefix + part) for part in _allowed(err).split("\n")]
        raise ScenarioError("\n".join(dict.fromkeys(lines))) from None
    except RecursionError:  # a structure nested too deep for the validator
        raise ScenarioError(f"{source}: nested too deeply to be a scenario") from None


def check_horizon(sc: Scenario, source: str = "<scenario>") -> None:
    """Raise :class:`ScenarioError` listing the events that start after the run ends.

    Events are checked whether enabled or not: a variant that switches one on must find it
    within the run. Shortening a run with an override of ``scenario.periods`` is a
    deliberate cut, so :func:`load_scenario` checks the horizon only when the run length
    is the file's own.
    """
    n = sc.scenario.periods
    late = [f"{source}: event.{i}.at: {e.at} is beyond the run's {n} periods "
            f"(allowed 0..{n - 1}, or lengthen scenario.periods)"
            for i, e in enumerate(sc.event) if e.at >= n]
    if late:
        raise ScenarioError("\n".join(late))


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file, turning I/O and syntax problems into :class:`ScenarioError`."""
    p = Path(path)
    name = one_line(str(p))
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, /dev/zero never ends
            what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ScenarioError(f"{name}: {what} (a scenario is a TOML file)")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"{name}: too large to be a scenario ({info.st_size:,} bytes; "
                                f"at most {MAX_FILE_BYTES:,})")
        with p.open("rb") as fh:
            text = fh.read(MAX_FILE_BYTES + 1).decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{name}: cannot read ({exc.__class__.__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(one_line(f"{name}: not valid TOML: {exc}")) from None
    except RecursionError:
        raise ScenarioError(f"{name}: not valid TOML: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer beyond Python's 4,300-digit limit
        raise ScenarioError(one_line(f"{name}: not valid TOML: {exc}")) from None


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
    overrides = overrides or {}
    raw = apply_overrides(read_toml(path), overrides, str(path))
    sc = validate_raw(raw, str(path))
    if "scenario.periods" not in overrides:
        check_horizon(sc, str(path))
    return sc


def scenario_hash(sc: Scenario) -> str:
    """A short content hash of a validated scenario (for run ids and reports)."""
    text = json.dumps(sc.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
