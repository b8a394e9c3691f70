"""The shipped scenarios (``scenarios/*.toml`` inside the package)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path


def scenario_dir() -> Path:
    """The folder holding the shipped scenario files."""
    return Path(str(resources.files("premia") / "scenarios"))


def shipped() -> dict[str, Path]:
    """``{name: path}`` of every shipped scenario, sorted by name."""
    return {p.stem: p for p in sorted(scenario_dir().glob("*.toml"))}


def title(path: Path) -> str:
    """The ``[scenario] title`` of a scenario file ('' if it has none or cannot be read)."""
    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8"))["scenario"].get("title", ""))
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def resolve(file: str | Path) -> Path:
    """A path as given, or the shipped scenario of that name when no such file exists."""
    p = Path(file)
    if p.exists() or p.suffix:
        return p
    return shipped().get(str(file), p)
