"""How much memory a run needs, estimated from its scenario before anything is allocated.

The estimate follows the model's arrays (n consumers, K cultures, Z creators, h = half the
network degree, F firm slots, T periods, G goods declared):

- consumers: five per-consumer vectors (weight, region, income, quality taste, price
  factor), the ``n x K`` affinity, awareness and habit arrays, the ``n x Z`` following
  matrix and the creators' potential audiences: ``40 n + 24 n K + 2 n Z`` bytes in float64
  storage (``consumers.precision = "float32"`` halves the taste, price-factor and
  ``n x K`` arrays: ``32 n + 12 n K + 2 n Z``), and while they are built ``32 n + 16 n K``
  more (the draws, and the float64 originals of float32 copies);
- the social network: a CSR matrix of about ``2 n h`` non-zeros (8-byte values, 4-byte
  indices), ``24 n h`` bytes kept, and about ``112 n h`` at the peak of its construction
  (ring, rewiring, symmetrised COO and its conversion), measured;
- one period's temporaries, the largest of three steps that follow one another: the
  culture update (about six ``n x K`` arrays, and five ``n x Z`` for following), Nash
  pricing and sampled demand (the shoppers drawn for each category c with purchase rate
  phi_c, their indices, choice uniforms and the draws they were made from, ``24 n sum_c
  phi_c`` bytes, and at most ``32 n`` for the uniforms of markets where phi_c > 1/2);
  plus the demand kernels' per-chunk sums. Nash pricing on ``p`` consumers holds the
  copy of the pricing sample's consumers, two markets' block buffers of the consumers'
  data (``8 (3 + 2 U + Z)`` bytes per consumer each, in float64 whatever the storage,
  U = min(K, 1 + regions) the cultures a market's goods can refer to: its own and its
  sellers' home cultures) and the culture columns copied into them (``16 p U``), and
  for a Nash-priced market of ``G_c`` goods the per-chunk share Jacobians of the goods
  whose capacity binds, at most ``8 G_c^2`` bytes for each 1,024 consumers priced on;
- firm slots: ``F`` slots of one 8-byte value per per-firm array of the model;
- the recorder: about 1,100 bytes per firm row (the declared firms each period, columns
  held as per-period arrays, concatenated, then turned into Arrow) and 10 kB per period
  for the small tables.

The peak is the larger of set-up (consumers and the network under construction) and the
run (consumers, network, temporaries and the recorder). ``tests/test_robust_memory.py``
checks that the estimate is an upper bound of the peak that :mod:`tracemalloc` measures,
and within a factor 2 of it, in both storages.

Entry can add firms beyond the declared ones (up to ``scenario.max_firms``), which the
estimate does not foresee; it is a guard against runs that cannot fit, not a bound.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from pathlib import Path

from premia.loading import ScenarioError
from premia.model.state import Firms, pricing_rule
from premia.scenario import Scenario

NETWORK_BUILD = 112.0  # bytes per (consumer x half-degree) at the peak of construction
NETWORK_KEPT = 24.0  # bytes per (consumer x half-degree) of the finished CSR matrix
ROW_BYTES = 1100.0  # recorder bytes per firm row (measured)
PERIOD_BYTES = 10.0e3  # recorder bytes per period for the small tables (measured)
CHUNK = 1024  # consumers per chunk in the demand and pricing kernels
MARGIN = 256 << 20  # room for the interpreter, compiled code and I/O buffers


class MemoryLimitError(ScenarioError):
    """A run that needs more memory than this process can have (one line)."""


@dataclass(frozen=True)
class Estimate:
    """Bytes a run needs, by part, and its peak."""

    consumers: float
    building: float
    network_build: float
    network: float
    period: float
    firms: float
    recorder: float

    @property
    def setup(self) -> float:
        """Peak while the consumers and the network are built."""
        return self.consumers + max(self.building, self.network_build)

    @property
    def running(self) -> float:
        """Peak while periods run and at the end, when the tables are assembled."""
        return self.consumers + self.network + self.period + self.firms + self.recorder

    @property
    def peak(self) -> float:
        """The larger of :attr:`setup` and :attr:`running`."""
        return max(self.setup, self.running)

    def largest(self) -> str:
        """The part that dominates, in words."""
        parts = {"the social network": max(self.network_build, self.network),
                 "the consumers' arrays": self.consumers + self.period,
                 "the recorded tables": self.recorder, "the firm slots": self.firms}
        return max(parts, key=parts.__getitem__)


def estimate(sc: Scenario) -> Estimate:
    """The memory a run of ``sc`` needs, part by part (see the module docstring).

    Example:
        >>> from premia.catalog import resolve
        >>> from premia.loading import load_scenario
        >>> sc = load_scenario(resolve("minimal"), {"scenario.consumers": 100_000})
        >>> round(estimate(sc).peak / 2**20)
        70
    """
    n = float(sc.scenario.consumers)
    k, z = len(sc.culture), len(sc.creator)
    half = 0 if sc.consumers.network == "mixed" else max(1, min(
        sc.consumers.network_degree // 2, (sc.scenario.consumers - 1) // 2))
    goods = sum(g.count for g in sc.firms)
    shopping = sum(c.purchase_rate for c in sc.category)
    sampled = 24.0 * n * shopping + 32.0 * n if sc.scenario.demand == "sampled" else 0.0
    kernels = 48.0 * (n / CHUNK + 2) * max(goods, 1)
    size = 4.0 if sc.consumers.precision == "float32" else 8.0
    return Estimate(
        consumers=24.0 * n + 2.0 * size * n + 3.0 * size * n * k + 2.0 * n * z,
        building=32.0 * n + 16.0 * n * k,
        network_build=NETWORK_BUILD * n * half + 9.0 * n * z,
        network=NETWORK_KEPT * n * half,
        period=max(48.0 * n * k + 40.0 * n * z, sampled, _pricing(sc, k, z)) + kernels,
        firms=8.0 * len(Firms.__dataclass_fields__) * sc.scenario.max_firms,
        recorder=sc.scenario.periods * (ROW_BYTES * goods + PERIOD_BYTES),
    )


def _pricing(sc: Scenario, k: int, z: int) -> float:
    """Bytes of Nash pricing: the sample's consumers copied, two markets' block buffers
    (with the culture columns copied into them) and the per-chunk share Jacobians of the
    largest Nash-priced market (declared goods)."""
    n = sc.scenario.consumers
    sample = sc.scenario.pricing_sample
    priced = sample if 0 < sample < n else n
    copied = (32.0 + 24.0 * k + z) * priced if priced < n else 0.0
    goods = [sum(g.count for g in sc.firms if g.category == c.id)
             for i, c in enumerate(sc.category) if pricing_rule(sc, i) == "nash"]
    if not goods:
        return 0.0
    used = min(k, 1 + len(sc.region))  # a market's culture and its sellers' home cultures
    buffers = 2.0 * 8.0 * (3 + 2 * used + z) * (priced + CHUNK) + 16.0 * used * priced
    return copied + buffers + 8.0 * (priced / CHUNK + 1) * max(goods) ** 2


def _meminfo(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _vm_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cgroup_left() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
    except OSError:
        return None
    return None if limit == "max" else max(0, int(limit) - int(used))


def available() -> tuple[float, str]:
    """The memory this process can still use and what limits it.

    The smallest of: memory available on the machine (``MemAvailable``), address space
    left under ``ulimit -v`` (``RLIMIT_AS`` less the current size) and memory left in the
    container (cgroup v2). ``(inf, "")`` where none can be read.
    """
    options: list[tuple[float, str]] = []
    free = _meminfo("MemAvailable")
    if free is not None:
        options.append((float(free), "available on this machine"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        options.append((float(max(0, soft - _vm_size())), "of address space left under "
                        "ulimit -v"))
    left = _cgroup_left()
    if left is not None:
        options.append((float(left), "left in this container"))
    return min(options, default=(float("inf"), ""))


def gib(n: float) -> str:
    """Bytes as GiB (or MiB below one GiB), for messages."""
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check(sc: Scenario, workers: int = 1, source: str | None = None,
          flag: str = "--no-memory-check") -> Estimate:
    """Raise :class:`MemoryLimitError` when ``workers`` runs of ``sc`` cannot fit.

    Args:
        sc: the scenario.
        workers: runs held in memory at once (a sweep's worker processes).
        source: the file name for the message (default: the scenario's name).
        flag: how the user overrides the check, named in the message.

    Returns:
        The estimate, when the runs fit.
    """
    est = estimate(sc)
    need = workers * est.peak * 1.25 + MARGIN
    have, what = available()
    if need > have:
        each = f" x {workers} workers" if workers > 1 else ""
        raise MemoryLimitError(
            f"{source or sc.scenario.name}: the run needs about {gib(est.peak)}{each} (mostly "
            f"{est.largest()}: scenario.consumers={sc.scenario.consumers:,}, "
            f"consumers.network_degree={sc.consumers.network_degree}), but only {gib(have)} "
            f"are {what}; use fewer consumers or a smaller degree, or pass {flag}")
    return est


def out_of_memory(sc: Scenario, source: str | None = None) -> MemoryLimitError:
    """The one-line error for an allocation that failed during a run."""
    return MemoryLimitError(f"{source or sc.scenario.name}: out of memory during the run "
                            f"(estimated {gib(estimate(sc).peak)}); use fewer consumers, "
                            f"periods or firms")

