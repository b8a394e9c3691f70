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

import numba as nb
import numpy as np

from premia.model.fastmath import maximum, minimum
from premia.model.state import Firms, Params, float_row

MAX_EXPONENT = 30.0  # |lambda T| is capped so extreme technology neither overflows nor zeroes cost

(TECH, MODERN_SHARE, HAND_CAPACITY, RIGHT, COST_FACTOR, EFFICIENCY, LABOUR, UNIT_COST,
 QUALITY, AUTHENTICITY, MEANING, CAPACITY, EFFECTIVE_COST) = (float_row(name) for name in (
    "tech", "modern_share", "hand_capacity", "interpretation_right", "cost_factor",
    "efficiency", "labour", "unit_cost", "quality", "authenticity", "meaning", "capacity",
    "effective_cost"))


def refresh(firms: Firms, p: Params, uplift: np.ndarray, capital: np.ndarray) -> None:
    """Recompute every derived cost, quality and meaning array in place (also the input
    scale exp(-lambda T) z and the labour per unit L_f that the accounts and the regions
    use later in the period)."""
    derive(firms.floats, firms, p, uplift, capital)


def derive(block: np.ndarray, firms: Firms, p: Params, uplift: np.ndarray,
           capital: np.ndarray) -> None:
    """The module's equations for every slot, from the inputs held in ``block`` (a float
    block laid out as ``firms.floats``: technology, modern share, hand capacity,
    interpretation right, cost factor) into its derived rows.

    ``block`` is ``firms.floats`` for the firms as they are, or a copy whose inputs were
    changed for a counterfactual (the mechanization decision). The exponential is NumPy's;
    the rest is one compiled pass, each expression in the order written above.

    Args:
        block: the float block to read and write.
        firms: the firms (categories, regions, cooperatives).
        p: parameters.
        uplift: per-creator content uplift of active creators (0 when inactive).
        capital: cultural capital M_k of each culture now.
    """
    exponent = _negative_exponent(block, firms.category, p.cat["tech_cost_elasticity"])
    efficiency = np.exp(exponent)
    efficiency *= block[COST_FACTOR]
    c = p.cat
    _derived(block, efficiency, firms.category, firms.region, firms.coop,
             p.category_culture, c["labour_hand"], c["labour_machine"], c["hand_materials"],
             c["machine_materials"], c["hand_quality"], c["machine_quality"],
             c["authenticity_loss"], c["machine_productivity"], c["defect_rate"],
             p.reg["wage"], p.reg["transport"], np.asarray(uplift, np.float64),
             np.asarray(capital, np.float64))


@nb.njit(cache=True, error_model="numpy")
def _negative_exponent(F, category, elasticity):  # pragma: no cover - compiled
    """-clip(lambda_c T_f, -MAX_EXPONENT, MAX_EXPONENT) for every slot."""
    out = np.empty(category.size)
    for f in range(category.size):
        x = elasticity[category[f]] * F[TECH, f]
        out[f] = -minimum(maximum(x, -MAX_EXPONENT), MAX_EXPONENT)
    return out


@nb.njit(cache=True, error_model="numpy")
def _derived(F, efficiency, category, region, coop, category_culture, labour_hand,
             labour_machine, hand_materials, machine_materials, hand_quality, machine_quality,
             authenticity_loss, machine_productivity, defect_rate, wage, transport, uplift,
             capital):  # pragma: no cover - compiled
    """The module's equations slot by slot, from efficiency exp(-lambda T) z."""
    for f in range(category.size):
        c, r = category[f], region[f]
        m, e = F[MODERN_SHARE, f], efficiency[f]
        F[EFFICIENCY, f] = e
        labour = ((1.0 - m) * labour_hand[c] + m * labour_machine[c]) * e
        F[LABOUR, f] = labour
        unit = wage[r] * labour + ((1.0 - m) * hand_materials[c] + m * machine_materials[c]) * e
        F[UNIT_COST, f] = unit
        F[QUALITY, f] = F[TECH, f] + (1.0 - m) * hand_quality[c] + m * machine_quality[c]
        authenticity = 1.0 - authenticity_loss[c] * m
        F[AUTHENTICITY, f] = authenticity
        k, z = category_culture[c], coop[f]
        extra = uplift[z] if z >= 0 and uplift.size else 0.0
        F[MEANING, f] = capital[k] * authenticity * F[RIGHT, f] + extra if k >= 0 else 0.0
        F[CAPACITY, f] = F[HAND_CAPACITY, f] * (1.0 + m * (machine_productivity[c] - 1.0))
        F[EFFECTIVE_COST, f] = unit / (1.0 - defect_rate[c]) + transport[r]
