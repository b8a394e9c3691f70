"""The HTML shell of a report: styles, plotly.js embedded once, escaping helpers, atomic write."""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from premia.report.figures import FONT

CSS = """
body { font-family: FONT_STACK; margin: 0; color: #1d2733; background: #fafaf7; line-height: 1.6; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.9rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #d8d3c4; padding-bottom: .3rem; margin-top: 2.6rem; }
h3 { margin-top: 2rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; background: #fff; }
th, td { border: 1px solid #ddd8ca; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0ece0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
blockquote { margin: .6rem 0; padding: .5rem 1rem; border-left: 4px solid #b5472f;
             background: #fff; }
blockquote .label { display: block; font-size: .8rem; color: #6b6b6b; }
pre { background: #fff; border: 1px solid #ddd8ca; padding: .8rem; overflow-x: auto;
      font-size: .9rem; }
.verdict { font-weight: bold; padding: .1rem .5rem; border-radius: .3rem; color: #fff;
           white-space: nowrap; }
.verdict.holds { background: #2e7d4f; } .verdict.fails { background: #b5472f; }
.verdict.inconclusive { background: #8a7f5f; }
.figure { background: #fff; border: 1px solid #e6e1d3; margin: .8rem 0; }
.muted { color: #6b6b6b; font-size: .9rem; }
""".replace("FONT_STACK", FONT)


def esc(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]],
          numeric: Sequence[int] = ()) -> str:
    """An HTML table; cells are escaped unless they are already marked-up ``Markup``."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            text = cell.html if isinstance(cell, Markup) else esc(cell)
            cells.append(f"<td{cls}>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Markup:
    """Trusted HTML (built by this package) that :func:`table` inserts unescaped."""

    def __init__(self, html_text: str) -> None:
        self.html = html_text


def figure_div(fig: go.Figure, div_id: str) -> str:
    """A figure as a ``<div>`` that uses the page's single plotly.js."""
    inner = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                        config={"displaylogo": False, "responsive": True})
    return f'<div class="figure">{inner}</div>'


def document(lang: str, title: str, body: str) -> str:
    """A complete, self-contained page: styles inline, plotly.js inlined once, no CDN."""
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n"
            f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n'
            f"<body><main>\n{body}\n</main></body>\n</html>\n")


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary sibling and a rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
