"""Innovation and imitation of technology (DESIGN §1.5; after Dosi, Fagiolo, Roventini 2010).

R&D spend RD_f = rho_f revenue_f(t-1) is split into innovation IN = xi RD and imitation
IM = (1 - xi) RD. Then

    P(innovate) = 1 - exp(-zeta_1 IN / scale_c),   T' = T + x,  x ~ Beta(a, b) on [x_lo, x_hi],

adopted if better, and

    P(imitate)  = 1 - exp(-zeta_2 IM / scale_c),

which copies the best technology of the category discovered at least L (patent length)
periods ago. With rho = 0 a technology category is a commodity one.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.state import Firms, Markets, Params, float_row


def off_patent_best(markets: Markets, category: int, period: int) -> float:
    """The best technology of ``category`` whose patent has run out by ``period``.

    Discoveries are listed in the order they were made, so the ones off patent by a cutoff
    period are a prefix of the list: the prefix read so far and its best are kept, and a
    later call reads on from there (from the start again if the cutoff moved back, as when
    an event lengthens patents).
    """
    cutoff = period - int(markets.patent_length[category])
    found = markets.discoveries[category]
    read, best, last = markets.off_patent.get(category, (0, -np.inf, cutoff))
    if cutoff < last:
        read, best = 0, -np.inf
    while read < len(found) and found[read][1] <= cutoff:
        best = max(best, found[read][0])
        read += 1
    markets.off_patent[category] = (read, best, cutoff)
    return best


def innovate(firms: Firms, markets: Markets, p: Params, period: int,
             rng: np.random.Generator) -> np.ndarray:
    """Run one period of innovation and imitation in place.

    Random draws are taken for every slot in a fixed order whether or not they are used,
    so the stream does not depend on which firms are alive. The exponentials are NumPy's;
    the rest is two compiled passes over the slots.

    Returns:
        Boolean mask of slots whose technology improved by innovation this period.
    """
    n = firms.slots
    u_in, u_im = rng.random(n), rng.random(n)
    c = firms.category
    draws = rng.beta(p.cat["innovation_a"][c], p.cat["innovation_b"][c])
    x_in, x_im = _hazard_exponents(firms.floats, c, p.cat["innovation_productivity"],
                                   p.cat["imitation_productivity"], p.cat["innovation_share"],
                                   p.cat["rd_scale"])
    innovated = np.zeros(n, np.bool_)
    imitating = _innovate(firms.floats, firms.tech_born, firms.alive, c, p.kind, period,
                          p.cat["innovation_lo"], p.cat["innovation_hi"], u_in, u_im, draws,
                          np.exp(x_in), np.exp(x_im), innovated)
    for f in np.flatnonzero(innovated):
        markets.discoveries[c[f]].append((float(firms.tech[f]), period))
    for f in imitating:
        best = off_patent_best(markets, c[f], period)
        if best > firms.tech[f]:
            firms.tech[f] = best
            firms.tech_born[f] = period
    return innovated


TECH, RD_INTENSITY, RD_SPEND = (float_row(name) for name in ("tech", "rd_intensity",
                                                              "rd_spend"))


@nb.njit(cache=True, error_model="numpy")
def _hazard_exponents(F, category, innovation_productivity, imitation_productivity,
                      innovation_share, rd_scale):  # pragma: no cover - compiled
    """-zeta_1 xi RD / scale and -zeta_2 (1 - xi) RD / scale for every slot."""
    x_in, x_im = np.empty(category.size), np.empty(category.size)
    for f in range(category.size):
        c = category[f]
        xi, spend, scale = innovation_share[c], F[RD_SPEND, f], rd_scale[c]
        x_in[f] = -innovation_productivity[c] * xi * spend / scale
        x_im[f] = -imitation_productivity[c] * (1 - xi) * spend / scale
    return x_in, x_im


@nb.njit(cache=True, error_model="numpy")
def _innovate(F, tech_born, alive, category, kind, period, innovation_lo, innovation_hi,
              u_in, u_im, draws, e_in, e_im, innovated):  # pragma: no cover - compiled
    """Innovation in place (``innovated`` marks it); returns the slots that imitate."""
    imitating = np.empty(alive.size, np.int64)
    count = 0
    for f in range(alive.size):
        c = category[f]
        active = alive[f] and F[RD_INTENSITY, f] > 0 and (kind[c] == 1 or kind[c] == 3)
        lo, hi = innovation_lo[c], innovation_hi[c]
        tech = F[TECH, f]
        candidate = tech + lo + (hi - lo) * draws[f]
        if active and u_in[f] < 1.0 - e_in[f] and candidate > tech:
            F[TECH, f] = candidate
            tech_born[f] = period
            innovated[f] = True
        elif active and u_im[f] < 1.0 - e_im[f]:
            imitating[count] = f
            count += 1
    return imitating[:count]
