"""One cost and quality model for every firm (DESIGN §1.2).

    L_f = [(1 - m_f) L_hand + m_f L_machine] * exp(-lambda_c T_f) * z_f    labour per unit
    c_f = w_r L_f + [(1 - m_f) mat_hand + m_f mat_machine] * exp(-lambda_c T_f) * z_f
                                                                      unit production cost
          (w_r the wage of the firm's region, z_f the firm's own cost factor, drawn once
          around 1; lambda_c T_f capped at +-30)
    q_f = T_f + (1 - m_f) q_hand + m_f q_machine                      quality
    A_f = 1 - theta_c m_f                                             authenticity
    M_f = M_k A_f I_f (+ creator uplift for cooperative goods)        perceived meaning
    c^_f = c_f / (1 - delta_c) + tau_r                                effective unit cost
    K_f = K_hand,f (1 + m_f (g_c - 1))                                capacity
    F_f = kappa_c K_f                                                 fixed cost per period

The four kinds are presets: ``commodity`` and ``technology`` are machine-made (m = 1)
without a culture term; ``culture`` goods are handmade by default and carry meaning;
``hybrid`` goods have both R&D and meaning.
"""

from __future__ import annotations

import numpy as np

from premia.model.state import Firms, Params

MAX_EXPONENT = 30.0  # |lambda T| is capped so extreme technology neither overflows nor zeroes cost


def efficiency(firms: Firms, p: Params) -> np.ndarray:
    """exp(-lambda_c T_f) z_f: how technology and the firm's own cost factor scale inputs."""
    exponent = np.clip(p.cat["tech_cost_elasticity"][firms.category] * firms.tech,
                       -MAX_EXPONENT, MAX_EXPONENT)
    return np.exp(-exponent) * firms.cost_factor


def materials_per_unit(firms: Firms, p: Params, eff: np.ndarray | None = None) -> np.ndarray:
    """Non-labour cost per unit: [(1 - m) mat_hand + m mat_machine] exp(-lambda T) z
    (``eff``: :func:`efficiency`, if already computed)."""
    c = firms.category
    m = firms.modern_share
    base = (1.0 - m) * p.cat["hand_materials"][c] + m * p.cat["machine_materials"][c]
    return base * (efficiency(firms, p) if eff is None else eff)


def unit_cost(firms: Firms, p: Params) -> np.ndarray:
    """Unit production cost c_f = w_r L_f + materials per unit, for every slot."""
    eff = efficiency(firms, p)
    return (p.reg["wage"][firms.region] * labour_per_unit(firms, p, eff)
            + materials_per_unit(firms, p, eff))


def quality(firms: Firms, p: Params) -> np.ndarray:
    """Quality q_f = T_f + (1 - m) q_hand + m q_machine."""
    c = firms.category
    m = firms.modern_share
    return firms.tech + (1.0 - m) * p.cat["hand_quality"][c] + m * p.cat["machine_quality"][c]


def authenticity(firms: Firms, p: Params) -> np.ndarray:
    """Authenticity A_f = 1 - theta_c m_f, in [0, 1]."""
    return 1.0 - p.cat["authenticity_loss"][firms.category] * firms.modern_share


def meaning(firms: Firms, p: Params, uplift: np.ndarray, capital: np.ndarray) -> np.ndarray:
    """Perceived cultural meaning M_f = M_k A_f I_f + uplift of the firm's creator.

    Args:
        firms: firm arrays (``authenticity`` must be current).
        p: parameters.
        uplift: per-creator content uplift of active creators (0 when inactive).
        capital: cultural capital M_k of each culture now.
    """
    k = p.category_culture[firms.category]
    capital = np.where(k >= 0, capital[np.maximum(k, 0)] if capital.size else 0.0, 0.0)
    extra = np.where(firms.coop >= 0, uplift[np.maximum(firms.coop, 0)] if uplift.size else 0.0,
                     0.0)
    return np.where(k >= 0, capital * firms.authenticity * firms.interpretation_right + extra,
                    0.0)


def capacity(firms: Firms, p: Params) -> np.ndarray:
    """Capacity K_f = K_hand (1 + m (g_c - 1)): machines multiply slow handwork."""
    g = p.cat["machine_productivity"][firms.category]
    return firms.hand_capacity * (1.0 + firms.modern_share * (g - 1.0))


def effective_cost(firms: Firms, p: Params) -> np.ndarray:
    """Effective cost per unit sold c^_f = c_f / (1 - delta_c) + tau_r."""
    delta = p.cat["defect_rate"][firms.category]
    return firms.unit_cost / (1.0 - delta) + p.reg["transport"][firms.region]


def labour_per_unit(firms: Firms, p: Params, eff: np.ndarray | None = None) -> np.ndarray:
    """Worker-months per unit produced, L_f: high for handwork, low for machine work
    (``eff``: :func:`efficiency`, if already computed)."""
    c = firms.category
    m = firms.modern_share
    base = (1.0 - m) * p.cat["labour_hand"][c] + m * p.cat["labour_machine"][c]
    return base * (efficiency(firms, p) if eff is None else eff)


def refresh(firms: Firms, p: Params, uplift: np.ndarray, capital: np.ndarray) -> None:
    """Recompute every derived cost, quality and meaning array in place (also the input
    scale exp(-lambda T) z and the labour per unit L_f that the accounts and the regions
    use later in the period)."""
    eff = efficiency(firms, p)
    firms.efficiency[:] = eff
    firms.labour[:] = labour_per_unit(firms, p, eff)
    firms.unit_cost[:] = (p.reg["wage"][firms.region] * firms.labour
                          + materials_per_unit(firms, p, eff))
    firms.quality[:] = quality(firms, p)
    firms.authenticity[:] = authenticity(firms, p)
    firms.meaning[:] = meaning(firms, p, uplift, capital)
    firms.capacity[:] = capacity(firms, p)
    firms.effective_cost[:] = effective_cost(firms, p)
