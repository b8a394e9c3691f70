"""The methods section: ODD description, equations, parameter tables and reproducibility."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from premia.report.odd import CATEGORY_PARAMS, EQUATIONS, KIND_WORDS, ODD
from premia.report.page import esc, table
from premia.report.texts import t


def odd_section(lang: str) -> str:
    """The ODD description and the equations."""
    parts = [f"<h3>{esc(t(lang, 'odd'))}</h3>", f"<p>{esc(t(lang, 'odd_intro'))}</p>"]
    for heading, paragraphs in ODD[lang]:
        parts.append(f"<h4>{esc(heading)}</h4>")
        parts += [f"<p>{esc(p)}</p>" for p in paragraphs]
    parts.append(f"<h3>{esc(t(lang, 'equations'))}</h3>")
    for caption, text in EQUATIONS:
        parts.append(f"<h4>{esc(caption[lang])}</h4><pre>{esc(text)}</pre>")
    return "\n".join(parts)


def _cell(field: str, value: Any, lang: str) -> str:
    if field == "kind":
        return KIND_WORDS[lang].get(str(value), str(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parameter_tables(scenarios: Mapping[str, Mapping[str, Any]], lang: str) -> str:
    """One table per scenario: the key category parameters, categories as columns.

    Args:
        scenarios: ``{name: scenario as a JSON-like mapping}`` (``Results.meta['scenario']``).
        lang: ``en`` or ``zh``.
    """
    parts = [f"<h3>{esc(t(lang, 'parameters'))}</h3>"]
    for name, sc in scenarios.items():
        cats = sc.get("category", [])
        headers = [t(lang, "parameter"), t(lang, "symbol"), *[c["id"] for c in cats]]
        rows = [[label[lang], symbol, *[_cell(field, c.get(field, ""), lang) for c in cats]]
                for field, symbol, label in CATEGORY_PARAMS]
        parts.append(f"<h4>{esc(t(lang, 'scenario_params', scenario=name))}</h4>")
        parts.append(table(headers, rows, numeric=range(2, 2 + len(cats))))
    return "\n".join(parts)


def reproducibility(lang: str, versions: Mapping[str, str], hashes: Mapping[str, str],
                    seeds_line: str, command: Sequence[str]) -> str:
    """Package versions, scenario hashes, seeds and the command line."""
    return "\n".join([
        f"<h3>{esc(t(lang, 'repro'))}</h3>",
        f"<p>{esc(seeds_line)}</p>",
        table([t(lang, "package"), t(lang, "version")], sorted(versions.items())),
        table([t(lang, "scenario"), t(lang, "hash")], sorted(hashes.items())),
        f"<h4>{esc(t(lang, 'command'))}</h4><pre>{esc(' '.join(command))}</pre>",
    ])


def package_versions(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Versions of Python and the packages (those of a run's meta, plus plotly)."""
    from importlib import metadata

    from premia.api import versions

    out = dict(extra or versions())
    for pkg in ("plotly", "pandas"):
        try:
            out.setdefault(pkg, metadata.version(pkg))
        except metadata.PackageNotFoundError:
            out.setdefault(pkg, "not installed")
    return out
