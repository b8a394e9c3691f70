"""Mutated scenario files for the fuzz test: a seeded generator over the shipped scenarios.

Each case starts from a shipped scenario made small (24 periods at most, 200 consumers at
most, events moved into the shorter run) and applies one to three mutations: a value
swapped for an extreme, wrong-typed or cross-referenced one, a key deleted or added, an
entry duplicated or dropped, an event added, the text itself damaged (cut, garbled,
nested a thousand deep, an integer of 5,000 digits), or an override (``--set``) instead of
an edit. Case ``i`` of seed ``s`` is always the same case.
"""

from __future__ import annotations

import copy
import math
import random
import tomllib
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from premia.catalog import shipped

PERIODS = 24
CONSUMERS = 200
NUMBERS = [0, -1, 1, 2, 10, 100, 0.5, 0.9, 1.0001, -0.0, 1e-300, -1e-300, 1e300, -1e300,
           math.inf, -math.inf, math.nan, 1e4, 1e6, 1e9, 1e12, 2**31, 2**53 + 1, 2**63 - 1,
           2**63, 2**64, -(2**63), 5_000_000, 2400, 2401, 100_000]
WORDS = ["", "x", "a\nb", "x" * 300, "苗绣", "nash", "adaptive", "by_kind", "sampled",
         "commodity", "technology", "culture", "hybrid", "mixed", "small_world", "modernize",
         "media", "creator", "subsidy", "patent", "shock", "merge_markets", "bogus", "0", "1e3",
         "true", "\x00", "'quoted'", "guizhou", "coast", "goods", "phones", "embroidery",
         "miao"]
EVENT_FIELDS = {"category": [*WORDS[30:33], "nowhere"], "into": WORDS[30:33],
                "culture": ["miao", "nowhere"], "region": ["guizhou", "coast", "nowhere"],
                "creator": ["zhang", "nowhere"], "share": [0.0, 0.5, 1.0, 2.0, -1.0],
                "budget": [0.0, 1e4, 1e9, 1e13, -5.0], "push": [0.0, 1.0, 50.0, 101.0],
                "account": ["national", "guizhou", "nowhere"], "target": ["entry", "machines",
                                                                         "bogus"],
                "paid_by": ["workshops", "budget", "nobody"],
                "length": [0, 12, 2400, -1], "factor": [0.5, 2.0, 100.0, 0.0, 1e6],
                "until": [0, 5, 30, 2401]}
EVENT_KINDS = ["modernize", "merge_markets", "media", "heritage", "creator", "subsidy",
               "patent", "shock", "bogus"]
FORMULAS = ["", "1", "markup:goods@", "markup:nowhere@a", "bogus:goods@a", "markup:goods@zz",
            "markup:embroidery@a - ", "min(markup:phones@a)", "abs(1, 2)", "__import__('os')",
            "markup:phones@a ** 2", "markup:phones@a / 0", "(" * 300 + "markup:goods@a" +
            ")" * 300, "-" * 1900 + "markup:goods@a", "markup:goods@a" + " + 1" * 490,
            "abs(" * 200 + "markup:goods@a" + ")" * 200, "x" * 2001, "9" * 1999,
            "markup:goods/coast@a", "gini:nowhere@a", "1e999 * markup:goods@a", "苗@a",
            "markup:goods@a\n- 1", "poverty:guizhou@a - poverty:guizhou@b"]
PATHS = ["scenario.periods", "scenario.consumers", "culture.miao.decay", "bogus.path",
         "category.nowhere.fixed_cost", "event.0.at", "event.99.enabled", "", "a..b",
         "region.guizhou.households", "consumers.network_degree", "firms.0.count"]


@dataclass
class Case:
    """One fuzz case: the file's bytes, and ``--set`` overrides for the CLI and the API."""

    index: int
    base: str
    text: bytes
    sets: list[str] = field(default_factory=list)
    overrides: dict[Any, Any] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """The base scenario and the mutations, in one line."""
        sets = f" --set {' --set '.join(self.sets)}" if self.sets else ""
        return f"case {self.index} ({self.base}): {'; '.join(self.steps)}{sets}"


def shrunk(raw: dict[str, Any]) -> dict[str, Any]:
    """A shipped scenario made small: few periods and consumers, events inside the run."""
    raw = copy.deepcopy(raw)
    run = raw.setdefault("scenario", {})
    periods = int(run.get("periods", 120))
    run["periods"] = min(periods, PERIODS)
    run["consumers"] = min(int(run.get("consumers", 2000)), CONSUMERS)
    for event in raw.get("event", []):
        for key in ("at", "until"):
            if key in event:
                event[key] = min(int(event[key]) * run["periods"] // periods,
                                 run["periods"] - 1)
    return raw


def bases() -> dict[str, dict[str, Any]]:
    """The shipped scenarios, shrunk, by name."""
    return {name: shrunk(tomllib.loads(path.read_text(encoding="utf-8")))
            for name, path in shipped().items()}


def _slots(node: Any, path: tuple = ()) -> list[tuple[Any, Any, tuple]]:
    """Every (container, key, path) in a parsed TOML tree, tables and arrays included."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        out.append((node, key, (*path, key)))
        if isinstance(value, dict | list):
            out += _slots(value, (*path, key))
    return out


def _value(rng: random.Random, old: Any, ids: list[str]) -> Any:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice([[], [1, 2], {}, {"x": 1}, True, False])
    if roll < 0.2 and ids:
        return rng.choice(ids)
    if isinstance(old, bool):
        return rng.choice([not old, 1, "yes", 0.5])
    if isinstance(old, int | float):
        pick = rng.random()
        if pick < 0.45:
            return rng.choice(NUMBERS)
        if pick < 0.75:
            return type(old)(old * 10 ** rng.randint(-12, 12)) if old else rng.randint(-9, 9)
        if pick < 0.9:
            return old + rng.choice([-1, 1]) * rng.choice([1e-9, 0.001, 1, 1000])
        return rng.choice(WORDS)
    if isinstance(old, str):
        return rng.choice([*WORDS, rng.choice(NUMBERS)])
    return rng.choice(NUMBERS + WORDS)


def _mutate_tree(rng: random.Random, raw: dict[str, Any], steps: list[str]) -> None:
    ids = [str(v.get("id")) for k in ("region", "culture", "category", "creator")
           for v in (raw[k] if isinstance(raw.get(k), list) else []) if isinstance(v, dict)]
    slots = _slots(raw)
    container, key, path = rng.choice(slots)
    where = ".".join(map(str, path))
    op = rng.random()
    if op < 0.55:
        new = _value(rng, container[key], ids)
        container[key] = new
        steps.append(f"{where} = {new!r}"[:120])
    elif op < 0.68:
        del container[key]
        steps.append(f"delete {where}")
    elif op < 0.76:
        target = container[key] if isinstance(container[key], dict) else container
        if isinstance(target, dict):
            target[rng.choice(["bogus", "Periods", "id2", "kind "])] = 1
            steps.append(f"unknown key in {where}")
    elif op < 0.88:
        arrays = [(c, k) for c, k, _ in slots if isinstance(c[k], list) and c[k]]
        if arrays:
            c, k = rng.choice(arrays)
            what = rng.choice(["duplicate", "drop", "empty"])
            if what == "duplicate":
                c[k].append(copy.deepcopy(rng.choice(c[k])))
            elif what == "drop":
                c[k].pop(rng.randrange(len(c[k])))
            else:
                c[k] = []
            steps.append(f"{what} an entry of {k}")
    else:
        raw.setdefault("event", [])
        if isinstance(raw["event"], list):
            event = {"at": rng.choice([0, 1, PERIODS - 1, PERIODS, PERIODS + 50, -1]),
                     "kind": rng.choice(EVENT_KINDS)}
            for name in rng.sample(sorted(EVENT_FIELDS), rng.randint(1, 3)):
                event[name] = rng.choice(EVENT_FIELDS[name])
            raw["event"].append(event)
            steps.append(f"add event {event}"[:120])


def _question_value(rng: random.Random, key: Any, names: list[str]) -> Any:
    """A value for a question's field: a formula, a name, a switch or anything at all."""
    if key == "effect":
        return rng.choice(FORMULAS)
    if key in ("name", "variant", "id"):
        return rng.choice([*names, "", "1x", "a b", "x" * 41, "nowhere", 5])
    if key in ("variants", "equal_spending", "budgets"):
        return rng.choice([[], [*names, *names], ["nowhere"], [rng.choice(PATHS)], "a", [1]])
    if key in ("enable", "disable"):
        return rng.choice([[0], [1, 0], [99], [-1], [2**63], ["0"], 0])
    if key in ("set", "scale"):
        return {rng.choice(PATHS): rng.choice(NUMBERS + WORDS + [[1], {"x": 1}])}
    if key == "scenario":
        return rng.choice(["minimal", "nowhere", "../../etc/passwd", "/dev/zero", "", ".",
                           "guizhou", "x" * 401])
    if key == "direction":
        return rng.choice(["<", ">", "=", ">=", "", 1])
    if key == "event":
        return rng.choice([[{"at": 1, "kind": "bogus"}], [{"at": 2, "kind": "shock",
                                                            "category": "goods"}], [1], {}])
    if key == "match_spending":
        return rng.choice([{"variant": rng.choice(names or ["x"]), "budgets": []},
                           {"variant": "nowhere", "budgets": [rng.choice(PATHS)]}, "x"])
    return _value(rng, key, names)


def _mutate_question(rng: random.Random, raw: dict[str, Any], steps: list[str]) -> None:
    """Change one field of a ``[[question]]`` table (or of its variants, criteria or
    placebo), drop or duplicate one of its parts, or add a question copied from another."""
    questions = raw["question"]
    q = rng.choice(questions)
    if not isinstance(q, dict):
        return
    lists = [q[k] for k in ("variant", "criterion") if isinstance(q.get(k), list)]
    variants = q["variant"] if isinstance(q.get("variant"), list) else []
    names = [v.get("name") for v in variants if isinstance(v, dict)]
    parts = [q, *[x for items in lists for x in items if isinstance(x, dict)]]
    if isinstance(q.get("placebo"), dict):
        parts.append(q["placebo"])
    roll = rng.random()
    if roll < 0.7:
        part = rng.choice(parts)
        key = rng.choice([*part, "set", "scale", "enable", "disable", "scenario", "event",
                          "match_spending", "equal_spending", "variants"])
        part[key] = _question_value(rng, key, names)
        steps.append(f"question {q.get('id')}: {key} = {part[key]!r}"[:120])
    elif roll < 0.85:
        key = rng.choice(["variant", "criterion", "placebo", "id", "title"])
        if isinstance(q.get(key), list) and q[key] and rng.random() < 0.5:
            q[key].append(copy.deepcopy(rng.choice(q[key])))
            steps.append(f"question {q.get('id')}: duplicate a {key}")
        else:
            q.pop(key, None)
            steps.append(f"question {q.get('id')}: delete {key}")
    else:
        questions.append(copy.deepcopy(q))
        steps.append(f"question {q.get('id')}: declared twice")


def _damage_text(rng: random.Random, text: bytes, steps: list[str]) -> bytes:
    op = rng.choice(["cut", "garble", "nest", "digits", "header", "bytes"])
    steps.append(f"text: {op}")
    if op == "cut":
        return text[: rng.randrange(len(text))]
    if op == "garble":
        data = bytearray(text)
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] = rng.choice(b"[]{}=\"'#.\n\\0x")
        return bytes(data)
    if op == "nest":
        return text + b"\ndeep = " + b"[" * 1000 + b"]" * 1000 + b"\n"
    if op == "digits":
        return text.replace(b"[scenario]\n", b"[scenario]\nseed = " + b"7" * 5000 + b"\n", 1)
    if op == "header":
        return text + b"\n[scenario]\nname = \"again\"\n"
    return text + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))


def _override(rng: random.Random, raw: dict[str, Any], case: Case) -> None:
    slots = [p for _, _, p in _slots(raw) if len(p) >= 2]
    path = list(rng.choice(slots))
    if path[0] in ("region", "culture", "category", "creator") and isinstance(path[1], int):
        entry = raw[path[0]][path[1]]
        path[1] = entry.get("id", path[1]) if isinstance(entry, dict) else path[1]
    text = ".".join(map(str, path[:3]))
    if rng.random() < 0.15:
        text = rng.choice(["scenario", "region.nowhere.wage", "firms.99.count", "event.9.at",
                           "5", "scenario.periods.x", "consumers.halo"])
    value = _value(rng, None, [])
    shown = value if isinstance(value, str) else tomli_w.dumps({"v": value})[4:].strip()
    case.sets.append(f"{text}={shown}")
    case.overrides[text] = value
    case.steps.append(f"override {text}")


def make_case(seed: int, index: int, scenarios: dict[str, dict[str, Any]]) -> Case:
    """Case ``index`` of the fuzz run with root ``seed``."""
    rng = random.Random(seed * 1_000_003 + index)
    name = rng.choice(sorted(scenarios))
    raw = copy.deepcopy(scenarios[name])
    case = Case(index=index, base=name, text=b"")
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.random()
        if kind < 0.2 and isinstance(raw.get("question"), list) and raw["question"]:
            _mutate_question(rng, raw, case.steps)
        elif kind < 0.75:
            _mutate_tree(rng, raw, case.steps)
        elif kind < 0.85 and not case.sets:
            _override(rng, raw, case)
    try:
        case.text = tomli_w.dumps(raw).encode()
    except (TypeError, ValueError):  # a value TOML cannot hold: keep the mutation as text
        case.text = repr(raw).encode()
        case.steps.append("text: not TOML")
    if rng.random() < 0.1:
        case.text = _damage_text(rng, case.text, case.steps)
    return case
