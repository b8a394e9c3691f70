"""Shared helpers of the benchmark scripts: synthetic markets, timers, table output."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from premia.model.demand import Offer
from premia.model.state import Consumers


def synthetic_market(consumers: int, goods: int, markets: int, cultures: int = 1,
                     seed: int = 0) -> tuple[Offer, Consumers]:
    """A static economy: ``goods`` split evenly over ``markets``, the last one cultural.

    Args:
        consumers: simulated consumers.
        goods: goods in all markets together.
        markets: number of markets (categories).
        cultures: cultures the consumers carry affinity and awareness for.
        seed: seed of the generator that draws tastes and goods.

    Returns:
        ``(offer, consumers)`` ready for the demand and pricing kernels.
    """
    rng = np.random.default_rng(seed)
    counts = np.full(markets, goods // markets)
    counts[: goods % markets] += 1
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    market = np.repeat(np.arange(markets), counts)
    cultural = market == markets - 1
    culture = np.where(cultural, rng.integers(0, cultures, goods), -1).astype(np.int64)
    income = 4000.0 * np.exp(0.6 * rng.standard_normal(consumers) - 0.18)
    offer = Offer(
        slots=np.arange(goods),
        offsets=offsets,
        quality_term=rng.uniform(1.0, 3.0, goods),
        meaning_term=np.where(cultural, rng.uniform(1.0, 4.0, goods), 0.0),
        culture=culture,
        origin_culture=np.full(goods, -1, np.int64),
        creator=np.full(goods, -1, np.int64),
        price=rng.uniform(50.0, 150.0, goods),
        price_weight=np.full(goods, 0.02),
        purchase_rate=np.full(markets, 0.1),
        outside_utility=np.zeros(markets),
    )
    people = Consumers(
        weight=np.full(consumers, 100.0),
        region=np.zeros(consumers, np.int64),
        income=income,
        quality_taste=np.exp(0.2 * rng.standard_normal(consumers) - 0.02),
        price_factor=(income.mean() / income) ** 0.5,
        affinity=rng.uniform(0.0, 1.0, (consumers, cultures)),
        awareness=rng.uniform(0.2, 1.0, (consumers, cultures)),
        bought=np.zeros((consumers, cultures)),
        follows=np.zeros((consumers, 0), np.uint8),
    )
    return offer, people


def best_time(fn: Callable[[], Any], repeat: int = 5,
              clock: Callable[[], float] = time.perf_counter) -> float:
    """The fastest of ``repeat`` timings of ``fn()`` in seconds (wall clock by default;
    pass ``clock=time.process_time`` for CPU time)."""
    best = np.inf
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def machine() -> dict[str, Any]:
    """The machine the figures were measured on."""
    model = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    return {"cpus": os.cpu_count(), "cpu": model, "memory_gb": round(mem_kb / 2**20, 1),
            "python": platform.python_version()}


def print_table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """Print a Markdown table (so it can be pasted into docs/performance.md)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(_fmt(x) for x in row) + " |")


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def write_json(path: str | None, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically (temp name, then rename), if a path is given."""
    if not path:
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=float))
    tmp.replace(target)


def full_model(consumers: int, periods: int, firms: int = 100, cultures: int = 3,
               network: str = "small_world"):
    """The full model used for scaling: minimal.toml with 3 regions, ``cultures`` cultures,
    ``firms`` firms split 50/20/30 % over goods, phones and embroidery, network on.

    Args:
        consumers: simulated consumers.
        periods: months to run.
        firms: initial firms in the three categories together.
        cultures: cultures (1 to 3); the first is embroidery's.
        network: ``small_world`` or ``mixed``.

    Returns:
        A validated :class:`~premia.scenario.Scenario`.
    """
    from premia.catalog import shipped
    from premia.loading import read_toml, validate_raw

    raw = read_toml(shipped()["minimal"])
    raw["scenario"].update(consumers=consumers, periods=periods, max_firms=max(400, 4 * firms))
    raw["consumers"]["network"] = network
    raw["consumers"]["halo"] = 0.5
    raw["region"].append({"id": "kyoto", "name": "Old capital", "households": 100000,
                          "base_income": 3000.0, "wage": 6000.0, "transport": 2.0})
    extra = [("shokunin", "kyoto"), ("wuxia", "coast")][: max(cultures - 1, 0)]
    for cid, home in extra:
        raw["culture"].append({"id": cid, "home": home, "capital": 1.0, "bass_p": 0.001})
    raw["culture"] = raw["culture"][:cultures]
    shares = {"goods": 0.5, "phones": 0.2, "embroidery": 0.3}
    for group in raw["firms"]:
        group["count"] = max(1, round(firms * shares[group["category"]]))
    raw["event"] = []
    return validate_raw(raw, "full-model")
