"""Capability, de jure form and de facto function: capability traps and premature load bearing."""

from __future__ import annotations

import numpy as np

from .common import Level, row_total, sum_by_group

def reform_load(
    effort: np.ndarray, de_jure: np.ndarray, de_facto: np.ndarray, lead: np.ndarray, n_ministries: int,
    shared_load: float,
) -> np.ndarray:
    """Reform load on each ministry.

        L_m = sum_{p led by m} e_p (1 + 0.5 (J_p - F_p)+) + s * sum_p e_p

    Own pillars weigh by their effort and by the unimplemented form they carry; every pillar
    pushed anywhere also draws on scarce senior staff and central coordination (share s).
    """
    own = effort * (1.0 + 0.5 * np.maximum(de_jure - de_facto, 0.0))
    return sum_by_group(own, lead, n_ministries) + shared_load * row_total(effort)


def overload(load: np.ndarray, capacity: np.ndarray, tolerance: float) -> np.ndarray:
    """Load beyond what capability can bear: Omega_m = min(max(0, L_m / (tau C_m) - 1), 1)
    (premature load bearing, Pritchett & de Weijer 2010; Andrews et al. 2017 ch. 3). Capped
    at 1: an organisation twice overloaded does no more than drop what it cannot carry."""
    return np.clip(load / (tolerance * capacity + 1e-9) - 1.0, 0.0, 1.0)


def absorbed_investment(investment: np.ndarray, absorptive_capacity: np.ndarray) -> np.ndarray:
    """Funds an organisation can turn into capability: A = a tanh(I / a); more money than the
    absorptive capacity a buys almost nothing (capability traps, Andrews et al. 2017)."""
    return absorptive_capacity * np.tanh(investment / np.maximum(absorptive_capacity, 1e-9))


def capability_update(
    capacity: np.ndarray, absorbed: np.ndarray, corruption: np.ndarray, overload: np.ndarray,
    growth_rate: float, decay_rate: float, erosion_rate: float,
) -> np.ndarray:
    """Monthly change of de facto capability C.

        C' = C + g A (1 - C)(1 - c) - eps Omega C - delta C

    Growth needs absorbed investment and honest management; overload erodes what exists
    (premature load bearing); without investment capability slowly decays.
    """
    change = growth_rate * absorbed * (1.0 - capacity) * (1.0 - corruption)
    change -= erosion_rate * overload * capacity + decay_rate * capacity
    return np.clip(capacity + change, 0.0, 1.0)


def de_jure_update(
    de_jure: np.ndarray, effort: np.ndarray, will: np.ndarray, obstruction: np.ndarray,
    mandates: Level, rate: float,
) -> np.ndarray:
    """Form: laws passed, units created, plans adopted. Cheap, and blind to capability.

        J' = J + r_J e (0.3 + 0.7 w)(1 - ob)(0.5 + 0.5 M)(1 - J)

    w is the lead ministry's will, ob spoiler obstruction, M parliament's legal mandates
    (Andrews, Pritchett & Woolcock 2013: form is what donors see).
    """
    growth = rate * effort * (0.3 + 0.7 * will) * (1.0 - obstruction) * (0.5 + 0.5 * mandates)
    return np.clip(de_jure + growth * (1.0 - de_jure), 0.0, 1.0)


def de_facto_update(
    de_facto: np.ndarray, de_jure: np.ndarray, effort: np.ndarray, lead_capacity: np.ndarray,
    will: np.ndarray, obstruction: np.ndarray, diversion: np.ndarray, lead_overload: np.ndarray,
    corruption: np.ndarray, rate: float, decay: float, erosion_rate: float,
) -> np.ndarray:
    """Function: what the organisation actually does.

        F' = F + r_F (0.1 + e) C w (1 - ob)(1 - d)(1 - 0.7 Omega)(1 - F) min(1, 10 (J - F)+)
                - F (delta c + eps Omega)

    Function grows where form exists to implement (it cannot run ahead of the law), at a pace
    set by the lead ministry's capability C and will w, net of obstruction and diverted funds.
    An overloaded ministry (Omega) implements less and loses what works: form then races
    ahead of function (de jure vs de facto: Andrews, Pritchett & Woolcock 2013; premature
    load bearing: Pritchett & de Weijer 2010). Corruption c erodes function.
    """
    growth = rate * (0.1 + effort) * lead_capacity * will * (1.0 - obstruction) * (1.0 - diversion)
    room = np.minimum(1.0, 10.0 * np.maximum(de_jure - de_facto, 0.0))
    gain = growth * (1.0 - 0.7 * lead_overload) * (1.0 - de_facto) * room
    loss = de_facto * (decay * corruption + erosion_rate * lead_overload)
    return np.clip(de_facto + gain - loss, 0.0, 1.0)


def absorptive_update(absorptive: np.ndarray, capacity: np.ndarray, rate: float) -> np.ndarray:
    """Absorptive capacity follows capability upward: a' = a + r (C - a)+."""
    return np.clip(absorptive + rate * np.maximum(capacity - absorptive, 0.0), 0.0, 1.0)
