"""Spoilers (Stedman 1997): resistance in proportion to the rents a pillar threatens."""

from __future__ import annotations

import numpy as np

from .common import Level, row_total, weighted_total

#: How hard each Stedman type fights for a given rent: limited spoilers have bounded goals,
#: total spoilers see the contest as all-or-nothing.
RESOLVE = {"limited": 0.5, "greedy": 1.0, "total": 1.5}
#: Inducement works on limited and greedy spoilers, never on total ones (Stedman 1997).
COOPTABLE_TYPES = {"limited": 1.0, "greedy": 1.0, "total": 0.0}


def reform_pressure(effort: np.ndarray, de_facto: np.ndarray) -> np.ndarray:
    """How much a pillar threatens rents now: pushed (effort) or working (function). P_p = (e_p + F_p) / 2."""
    return np.clip(0.5 * (effort + de_facto), 0.0, 1.0)


def threatened_rents(rents: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Rents each spoiler stands to lose: T_s = max_p R_sp P_p (the most threatened stake drives it)."""
    if rents.size == 0:
        return np.zeros(pressure.shape[:-1] + (rents.shape[0],))
    return (rents * pressure[..., None, :]).max(axis=-1)


def obstruction(
    strength: np.ndarray, resolve: np.ndarray, inside: np.ndarray, rents: np.ndarray,
    pressure: np.ndarray, intensity: float,
) -> np.ndarray:
    """Inside spoilers' stealth obstruction of each pillar (Stedman 1997).

        ob_p = 1 - exp(-k sum_{s inside} S_s rho_s R_sp (0.5 + P_p))
    """
    push = row_total((inside * strength * resolve)[..., None, :] * rents.T)[..., 0] if rents.size else np.zeros_like(pressure)
    return 1.0 - np.exp(-intensity * push * (0.5 + pressure))


def spoiler_violence(
    strength: np.ndarray, resolve: np.ndarray, inside: np.ndarray, threatened: np.ndarray, intensity: float,
    disarmed: Level = 0.0,
) -> np.ndarray:
    """Violence pushed by outside spoilers:

        V_s = k (1 - D) sum_{s outside} S_s rho_s (0.3 + T_s),   capped at 1

    D is the share of their means of violence that working DDR has removed (``disarmed``:
    disarmament, demobilisation and reintegration take fighters and weapons out of armed
    groups' reach, the purpose of DDR in the UN's Integrated DDR Standards, 2006).
    """
    return np.minimum(intensity * (1.0 - disarmed)
                      * weighted_total(strength * resolve * (0.3 + threatened), ~inside), 1.0)


def strength_update(
    strength: np.ndarray, cooptable: np.ndarray, cooptability: np.ndarray, inside: np.ndarray,
    rents_available: Level, coercion_capacity: Level, cooptation_effort: float,
    growth: float, coercion: float,
) -> np.ndarray:
    """Spoiler strength grows on captured rents and shrinks under coercion and co-optation.

        S' = S + g S (c - 0.4) - k_c X S [outside: 1, inside: 0.3] - 0.05 u Q_s S

    c is the prevalence of corruption (rents to feed patronage), X the security forces'
    effectiveness (coercion, for outside spoilers mostly), u the co-optation effort and Q_s the
    spoiler's co-optability (zero for total spoilers). Stedman (1997): custodians use
    inducement for limited/greedy spoilers and coercion for total ones.
    """
    exposure = np.where(inside, 0.3, 1.0)
    change = growth * strength * (rents_available - 0.4)
    change -= coercion * coercion_capacity * exposure * strength
    change -= 0.05 * cooptation_effort * cooptable * cooptability * strength
    return np.clip(strength + change, 0.0, 1.0)
