"""Capability, de jure form and de facto function: capability traps and premature load bearing."""

from __future__ import annotations

import numpy as np

from .common import Level, row_total, sum_by_group


def domestic_effort(lead_will: np.ndarray, ceiling: float | np.ndarray, will_threshold: float | np.ndarray) -> np.ndarray:
    """Reform effort a government puts on a pillar by itself, without any programme.

        e_dom,p = d (w_lead(p) - w*)^+ / (1 - w*)

    The fastest reformers of WDR 2011 Box 3.6 were not, for the most part, countries under a
    donor's SSR programme: transformations were led from within, by leaders and coalitions with
    a stake in them (World Bank 2011, ch. 3: "inclusive-enough" coalitions; Andrews 2013, *The
    Limits of Institutional Reform*: reforms that stick are driven by domestic agents solving
    their own problems; Detzner 2017: local ownership and domestic demand). So each ministry
    pushes the pillars it leads in proportion to how far its will w_lead exceeds the will w*
    below which nobody reforms unaided, up to d when it is wholly committed. The push is what
    the government adds to a programme's effort (the sum is capped at 1 per pillar), and like
    that effort it costs bandwidth, threatens rents and privileges and is paid from the
    domestic budget; it is never a donor's, so donor money still follows only the programme.
    d = 0 switches it off (the model before issue 10's calibration: no reform without a
    programme).
    """
    return ceiling * np.maximum(lead_will - will_threshold, 0.0) / np.maximum(1.0 - will_threshold, 1e-9)


def applied_effort(programme_effort: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """Effort in force on each pillar this month: the programme's plus the government's own,
    at most a full push, e = min(1, e_prog + e_dom)."""
    return np.minimum(programme_effort + domestic, 1.0)


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


def bandwidth_share(load: np.ndarray, capacity: np.ndarray, tolerance: float) -> np.ndarray:
    """Share of its reform load a ministry can manage: s_m = min(1, tau C_m / L_m).

    A ministry's management bandwidth is tau C_m (senior staff, attention: Andrews, Pritchett &
    Woolcock 2017 ch. 3). Pushed beyond it, the ministry divides what it has among its pillars
    in proportion to their load, so each pillar's push is scaled by s_m: a ministry leading two
    pillars gets half as far on each, rather than failing at both.
    """
    return np.minimum(1.0, tolerance * capacity / np.maximum(load, 1e-9))


def overload(load: np.ndarray, capacity: np.ndarray, tolerance: float) -> np.ndarray:
    """Strain of load beyond bandwidth: Omega_m = x / (1 + x), x = max(0, L_m / (tau C_m) - 1).

    Premature load bearing (Pritchett & de Weijer 2010; Andrews et al. 2017 ch. 3): carrying
    more than its capability strains what an organisation has. The strain grows smoothly from 0
    (at bandwidth) toward 1 (far beyond it; 1/2 at twice the bandwidth), so no threshold of
    effort flips a ministry from working to collapsing."""
    excess = np.maximum(load / (tolerance * capacity + 1e-9) - 1.0, 0.0)
    return excess / (1.0 + excess)


def absorbed_investment(investment: np.ndarray, absorptive_capacity: np.ndarray) -> np.ndarray:
    """Funds an organisation can turn into capability: A = a tanh(I / a); more money than the
    absorptive capacity a buys almost nothing (capability traps, Andrews et al. 2017)."""
    return absorptive_capacity * np.tanh(investment / np.maximum(absorptive_capacity, 1e-9))


def capability_update(
    capacity: np.ndarray, absorbed: np.ndarray, corruption: np.ndarray, overload: np.ndarray,
    growth_rate: float, decay_rate: float, erosion_rate: float,
    will: np.ndarray | float = 1.0, authority_weight: float = 0.0, trap_weight: float = 0.0,
) -> np.ndarray:
    """Monthly change of de facto capability C.

        C' = C + g A (1 - C)(1 - c)(1 - kappa + kappa w)(1 - theta + theta C) - eps Omega C - delta C

    Growth needs absorbed investment and honest management; overload erodes what exists
    (premature load bearing); without investment capability slowly decays.

    Growth also needs authority: capability is built only where those in charge authorise the
    change, and money without that authorisation buys form (Andrews, Pritchett & Woolcock 2017,
    ch. 9: the "triple-A" of authority, acceptance and ability; ch. 2 on the Big Stuck: the
    same aid gives a few fast climbers and a stagnating majority). kappa, the
    ``authority_weight``, is the share of growth that depends on the ministry's will w: at 0
    growth ignores will, as before issue 10's calibration; at 1 a ministry without will builds
    nothing; the shipped 0.4 is held there by the calibration (docs/calibration.md).

    And growth needs capability already in place: an organisation that cannot perform cannot
    learn to, so the weakest stay weakest (capability traps: Pritchett, Woolcock & Andrews 2013,
    "Looking like a state"; Andrews, Pritchett & Woolcock 2017 ch. 2: at their pace the weakest
    states need centuries). theta, the ``trap_weight``, is the share of growth that scales with
    C: at 0 growth is fastest where capability is lowest, as before issue 10's calibration; at 1
    it is logistic, C (1 - C); the shipped 0.85 is held there by the calibration.
    """
    authority = 1.0 - authority_weight + authority_weight * will
    foothold = 1.0 - trap_weight + trap_weight * capacity
    change = growth_rate * absorbed * (1.0 - capacity) * (1.0 - corruption) * authority * foothold
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
    will: np.ndarray, obstruction: np.ndarray, diversion: np.ndarray, corruption: np.ndarray,
    rate: float | np.ndarray, decay: float,
) -> np.ndarray:
    """Function: what the organisation actually does.

        F' = F + r_F pi_p (0.1 + s rho_p e) C w (1 - ob)(1 - d)(1 - F) min(1, 10 (J - F)+) - F delta c

    Function grows where form exists to implement (it cannot run ahead of the law), at a pace
    set by the lead ministry's capability C and will w, net of obstruction and diverted funds.
    ``effort`` is the push the lead ministry can manage, s e (:func:`bandwidth_share`): pushed
    beyond its bandwidth, a ministry gets less far on each pillar and form races ahead of
    function (de jure vs de facto: Andrews, Pritchett & Woolcock 2013); the strain of that
    load erodes its capability (:func:`capability_update`; premature load bearing: Pritchett &
    de Weijer 2010). ``effort`` also carries the pillar's tractability rho_p in this country
    (drawn, not known in advance: effort on a blocked pillar achieves little), ``rate`` r_F
    times the pillar's pace pi_p (a scenario value: a time-bound programme such as DDR runs
    faster). Corruption c erodes function.
    """
    growth = rate * (0.1 + effort) * lead_capacity * will * (1.0 - obstruction) * (1.0 - diversion)
    room = np.minimum(1.0, 10.0 * np.maximum(de_jure - de_facto, 0.0))
    gain = growth * (1.0 - de_facto) * room
    loss = de_facto * decay * corruption
    return np.clip(de_facto + gain - loss, 0.0, 1.0)


def absorptive_update(absorptive: np.ndarray, capacity: np.ndarray, rate: float) -> np.ndarray:
    """Absorptive capacity follows capability upward: a' = a + r (C - a)+."""
    return np.clip(absorptive + rate * np.maximum(capacity - absorptive, 0.0), 0.0, 1.0)
