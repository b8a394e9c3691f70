"""Culture, awareness, media and creators (DESIGN §1.7).

Per period, for consumer i and culture k:

    a_ik <- a_ik + mu_k x_ik (1 - a_ik) + chi (abar_N(i),k - a_ik) + h b_ik (1 - a_ik) - d_k a_ik
    e_ik <- e_ik + (1 - e_ik)(p_k + r ebar_N(i),k) - epsilon e_ik

both clipped to [0, 1]. x_ik is media exposure: the mass reach of the culture's media
budget, 1 - exp(-media_efficiency x budget), plus the content quality Q_z of each active
creator of culture k that i follows. b_ik is the probability that i bought a culture-k good
last period (habit); abar and ebar are neighbours' means on the social network. External
awareness p_k is the culture's ``bass_p`` plus its media reach.

Following a creator is a Bass process: a non-follower starts following with probability

    1 - exp(-(p_z + q_z fbar_N(i),z)),   p_z = bass_p + media_efficiency x promotion,

where fbar is the share of i's neighbours who follow. Only the creator's potential
audience (a share ``audience`` of consumers drawn once, Bass's market potential m) can
follow. Followers are aware of the cooperative's goods, which carry the creator's content
uplift in their meaning. A creator
earns ``income_per_follower`` per follower (in people) and a commission on cooperative
revenue, which the cooperative's firms pay.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.demand import use_threads
from premia.model.network import neighbour_mean, small_world
from premia.model.state import Consumers, State
from premia.scenario import Scenario


class CultureDynamics:
    """The network and the per-culture, per-creator parameters of the content side."""

    def __init__(self, sc: Scenario, consumers: Consumers, rng: np.random.Generator) -> None:
        n = consumers.income.size
        cs = sc.consumers
        self.W = (None if cs.network == "mixed"
                  else small_world(n, cs.network_degree, cs.rewiring, rng))
        self.cultures = sc.culture
        self.creators = sc.creator
        ci = {k.id: i for i, k in enumerate(sc.culture)}
        self.creator_culture = np.array([ci[z.culture] for z in sc.creator], np.int64)
        self.creator_quality = np.array([z.quality for z in sc.creator])
        self.creator_uplift = np.array([z.uplift for z in sc.creator])
        efficiency = np.array([k.media_efficiency for k in sc.culture])
        self.creator_p = np.array([z.bass_p for z in sc.creator]) + (
            efficiency[self.creator_culture] * np.array([z.promotion for z in sc.creator])
            if sc.creator else 0.0)
        self.creator_q = np.array([z.bass_q for z in sc.creator])
        self.commission_rate = np.array([z.commission for z in sc.creator])
        self.per_follower = np.array([z.income_per_follower for z in sc.creator])
        audience = np.array([z.audience for z in sc.creator])
        self.audience = rng.random((n, len(sc.creator))) < audience
        self.rates = {name: np.array([getattr(k, name) for k in sc.culture], np.float64)
                      for name in ("learning", "social", "habit", "decay", "bass_p", "bass_q",
                                   "awareness_decay", "media_efficiency")}
        self.reach = np.zeros(len(sc.culture))
        #: every rate is zero: without media or creators, affinity and awareness stay put
        self.still = not any(self.rates[name].any() for name in self.rates
                             if name != "media_efficiency")
        self.commission = np.zeros(len(sc.creator))
        self.coop_sales = np.zeros(len(sc.creator))

    def media_reach(self, state: State) -> np.ndarray:
        """Share of consumers reached by each culture's media this period."""
        live = state.media_until >= state.period
        eff = self.rates["media_efficiency"]
        return np.where(live, 1.0 - np.exp(-eff * state.media_budget), 0.0)

    def exposure(self, state: State) -> np.ndarray:
        """x_ik: media reach plus the quality-weighted content of followed creators."""
        c = state.consumers
        x = np.repeat(self.reach[None, :], c.income.size, axis=0)
        for z in np.flatnonzero(state.creator_active):
            x[:, self.creator_culture[z]] += self.creator_quality[z] * c.follows[:, z]
        return x

    def step(self, state: State, rng: np.random.Generator) -> None:
        """Move affinity, awareness and following by one period, in place."""
        c = state.consumers
        if self.creators:
            u = rng.random((c.income.size, len(self.creators)))
            self._follow(state, u)
        if not self.cultures:
            return
        self.reach = self.media_reach(state)
        if self.still and not self.reach.any() and not state.creator_active.any():
            return  # the update below would return every a_ik and e_ik unchanged
        k = self.rates
        a, e = c.affinity, c.awareness
        means = neighbour_mean(self.W, np.hstack([a, e]))  # one sparse product for both
        x = (self.exposure(state) if state.creator_active.any()
             else np.broadcast_to(self.reach, a.shape))
        move = _move_parallel if use_threads(a.shape[0]) else _move_serial
        move(a, e, c.bought, x, means, k["learning"], k["habit"], k["social"], k["decay"],
             k["bass_p"] + self.reach, k["bass_q"], k["awareness_decay"],
             a.dtype.type(1.0))

    def _follow(self, state: State, u: np.ndarray) -> None:
        c = state.consumers
        share = neighbour_mean(self.W, c.follows.astype(np.float64))
        hazard = 1.0 - np.exp(-(self.creator_p + self.creator_q * share))
        new = (u < hazard) & self.audience & state.creator_active[None, :] & (c.follows == 0)
        c.follows[new] = 1

    def uplift(self, state: State) -> np.ndarray:
        """Content uplift of each creator's cooperative goods (0 while inactive)."""
        return np.where(state.creator_active, self.creator_uplift, 0.0)

    def pay_commissions(self, state: State) -> None:
        """Cooperative firms pay their active creator a share of revenue."""
        f = state.firms
        in_coop = f.alive & (f.coop >= 0)
        if not self.creators:
            return
        z = np.maximum(f.coop, 0)
        rate = np.where(in_coop & state.creator_active[z], self.commission_rate[z], 0.0)
        fee = rate * f.revenue
        f.commission[:] = fee
        f.profit[:] -= fee
        f.cash[:] -= fee
        n_z = len(self.creators)
        self.commission = np.bincount(z, weights=fee, minlength=n_z)
        self.coop_sales = np.bincount(z, weights=np.where(in_coop, f.sales, 0.0), minlength=n_z)

    def followers(self, state: State) -> np.ndarray:
        """Followers of each creator, in people."""
        return state.consumers.weight @ state.consumers.follows

    def creator_income(self, state: State) -> np.ndarray:
        """Each creator's income this period: per-follower earnings plus commission."""
        if not self.creators:
            return np.zeros(0)
        active = state.creator_active
        return np.where(active, self.per_follower * self.followers(state), 0.0) + self.commission


@nb.njit(cache=True, inline="always")
def _move_one(a, e, bought, x, means, i, learning, habit, social, decay, base, bass_q,
              forget, one):  # pragma: no cover - compiled
    n_k = a.shape[1]
    for k in range(n_k):
        ai, ei = a[i, k], e[i, k]
        gain = learning[k] * min(x[i, k], 1.0) + habit[k] * bought[i, k]
        v = ai + gain * (one - ai) + social[k] * (means[i, k] - ai) - decay[k] * ai
        a[i, k] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
        hazard = min(base[k] + bass_q[k] * means[i, n_k + k], 1.0)
        w = ei + (one - ei) * hazard - forget[k] * ei
        e[i, k] = 0.0 if w < 0.0 else (1.0 if w > 1.0 else w)


@nb.njit(cache=True, parallel=True)
def _move_parallel(a, e, bought, x, means, learning, habit, social, decay, base, bass_q,
                   forget, one):  # pragma: no cover - compiled
    for i in nb.prange(a.shape[0]):
        _move_one(a, e, bought, x, means, i, learning, habit, social, decay, base, bass_q,
                  forget, one)


@nb.njit(cache=True)
def _move_serial(a, e, bought, x, means, learning, habit, social, decay, base, bass_q,
                 forget, one):  # pragma: no cover - compiled
    """Affinity and awareness of every consumer, one period on (the module's equations,
    evaluated in the same order and precision as the NumPy expressions they replace):

        a <- clip(a + g (1 - a) + chi (abar - a) - d a),  g = mu min(x, 1) + h b
        e <- clip(e + (1 - e) min(p + r + q ebar, 1) - epsilon e)
    """
    for i in range(a.shape[0]):
        _move_one(a, e, bought, x, means, i, learning, habit, social, decay, base, bass_q,
                  forget, one)
