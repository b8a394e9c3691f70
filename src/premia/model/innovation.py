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

import numpy as np

from premia.model.state import Firms, Markets, Params


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
    so the stream does not depend on which firms are alive.

    Returns:
        Boolean mask of slots whose technology improved by innovation this period.
    """
    n = firms.slots
    u_in, u_im = rng.random(n), rng.random(n)
    c = firms.category
    draws = rng.beta(p.cat["innovation_a"][c], p.cat["innovation_b"][c])
    active = firms.alive & (firms.rd_intensity > 0) & ((p.kind[c] == 1) | (p.kind[c] == 3))
    spend = firms.rd_spend
    scale = p.cat["rd_scale"][c]
    xi = p.cat["innovation_share"][c]
    p_in = 1.0 - np.exp(-p.cat["innovation_productivity"][c] * xi * spend / scale)
    p_im = 1.0 - np.exp(-p.cat["imitation_productivity"][c] * (1 - xi) * spend / scale)
    lo, hi = p.cat["innovation_lo"][c], p.cat["innovation_hi"][c]
    candidate = firms.tech + lo + (hi - lo) * draws
    innovated = active & (u_in < p_in) & (candidate > firms.tech)
    firms.tech[innovated] = candidate[innovated]
    firms.tech_born[innovated] = period
    for f in np.flatnonzero(innovated):
        markets.discoveries[c[f]].append((float(firms.tech[f]), period))
    imitating = active & ~innovated & (u_im < p_im)
    for f in np.flatnonzero(imitating):
        best = off_patent_best(markets, c[f], period)
        if best > firms.tech[f]:
            firms.tech[f] = best
            firms.tech_born[f] = period
    return innovated
