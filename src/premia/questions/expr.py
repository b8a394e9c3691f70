"""Effect expressions of a question's criteria: arithmetic on metrics of variants.

A criterion's effect is a formula such as::

    markup:embroidery@mandate - markup:embroidery@traditional
    poverty:guizhou@media - min(poverty:guizhou@nothing, poverty:guizhou@modernize)
    price_cost:goods@subsidised - 1

where ``NAME:ARG@VARIANT`` is the named metric ``NAME:ARG`` (see :mod:`premia.metrics`)
measured on one run of variant ``VARIANT``. The rest is ordinary arithmetic: numbers,
``+ - * /``, parentheses, unary minus, and the functions ``min``, ``max`` and ``abs``.
Nothing else is evaluated (the formula is parsed with :mod:`ast` and walked, never passed
to ``eval``).

Example:
    >>> e = parse_effect("markup:a@x - 2 * markup:a@y")
    >>> [str(r) for r in e.refs]
    ['markup:a@x', 'markup:a@y']
    >>> e.evaluate({e.refs[0]: 1.0, e.refs[1]: 0.25})
    0.5
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

REF = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)"   # NAME
                 r":([A-Za-z][A-Za-z0-9_/-]*)"          # :ARG (ids; / between parts)
                 r"@([A-Za-z][A-Za-z0-9_-]*)")          # @VARIANT
FUNCTIONS: dict[str, Callable[..., float]] = {"min": min, "max": max, "abs": abs}
BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b != 0 else math.nan,
}


class ExpressionError(ValueError):
    """A formula that cannot be parsed (``str(err)`` says what is wrong, in one line)."""


@dataclass(frozen=True, order=True)
class MetricRef:
    """One ``NAME:ARG@VARIANT`` in a formula."""

    metric: str
    arg: str
    variant: str

    @property
    def spec(self) -> str:
        """The metric as ``NAME:ARG`` (the form :func:`premia.metrics.evaluate` takes)."""
        return f"{self.metric}:{self.arg}"

    def __str__(self) -> str:
        return f"{self.spec}@{self.variant}"


@dataclass(frozen=True)
class Effect:
    """A parsed formula: the metric references it needs and how to combine them."""

    text: str
    refs: tuple[MetricRef, ...]
    tree: ast.expr

    def evaluate(self, values: Mapping[MetricRef, float]) -> float:
        """The formula's value given each reference's value (NaN propagates)."""
        return float(_walk(self.tree, self.refs, values))

    @property
    def variants(self) -> tuple[str, ...]:
        """The variants the formula reads, in order of first use."""
        return tuple(dict.fromkeys(r.variant for r in self.refs))


def parse_effect(text: str) -> Effect:
    """Parse a formula, raising :class:`ExpressionError` with one line if it is malformed.

    Example:
        >>> parse_effect("markup:a@x +").text
        Traceback (most recent call last):
        ...
        premia.questions.expr.ExpressionError: 'markup:a@x +' is not a formula: invalid syntax
    """
    refs: list[MetricRef] = []

    def placeholder(match: re.Match[str]) -> str:
        ref = MetricRef(*match.groups())
        if ref not in refs:
            refs.append(ref)
        return f"__ref{refs.index(ref)}"

    if not text.strip():
        raise ExpressionError("the formula is empty; write e.g. markup:goods@a - markup:goods@b")
    source = REF.sub(placeholder, text)
    try:
        tree = ast.parse(source.strip(), mode="eval").body
        _check(tree, text, len(refs))
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not a formula: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"{text[:60]!r}...: the formula is nested too deeply") from None
    if not refs:
        raise ExpressionError(f"{text!r} uses no metric; write NAME:ARG@VARIANT, "
                              "e.g. markup:goods@baseline")
    return Effect(text, tuple(refs), tree)


def _check(node: ast.AST, text: str, n_refs: int) -> None:
    """Refuse anything but numbers, references, + - * /, unary minus and min/max/abs."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
            and not isinstance(node.value, bool):
        return
    if isinstance(node, ast.Name) and node.id.startswith("__ref") \
            and node.id[5:].isdigit() and int(node.id[5:]) < n_refs:
        return
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        _check(node.left, text, n_refs)
        _check(node.right, text, n_refs)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, text, n_refs)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in FUNCTIONS and node.args and not node.keywords:
        if node.func.id == "abs" and len(node.args) != 1:
            raise ExpressionError(f"{text!r}: abs takes one argument")
        if node.func.id != "abs" and len(node.args) < 2:
            raise ExpressionError(f"{text!r}: {node.func.id} takes two or more arguments")
        for arg in node.args:
            _check(arg, text, n_refs)
        return
    if isinstance(node, ast.Name):
        raise ExpressionError(f"{text!r}: {node.id!r} is not NAME:ARG@VARIANT, a number or "
                              "min/max/abs")
    raise ExpressionError(f"{text!r}: only numbers, NAME:ARG@VARIANT, + - * /, parentheses "
                          "and min/max/abs are allowed")


def _walk(node: ast.AST, refs: tuple[MetricRef, ...], values: Mapping[MetricRef, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(values[refs[int(node.id[5:])]])
    if isinstance(node, ast.BinOp):
        return BINARY[type(node.op)](_walk(node.left, refs, values),
                                     _walk(node.right, refs, values))
    if isinstance(node, ast.UnaryOp):
        x = _walk(node.operand, refs, values)
        return -x if isinstance(node.op, ast.USub) else x
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_walk(a, refs, values) for a in node.args]
    if any(math.isnan(a) for a in args):
        return math.nan
    return float(FUNCTIONS[node.func.id](*args))
