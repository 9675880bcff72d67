"""Political will as an outcome of pressures, not a fixed input."""

from __future__ import annotations

import numpy as np

from .common import Level


def will_anchor(
    leadership_will: np.ndarray,
    donor_pressure: np.ndarray,
    civil_society_pressure: Level,
    parliament_pressure: Level,
    spoiler_threat: np.ndarray,
    rents_lost: np.ndarray,
    weights: dict[str, float],
) -> np.ndarray:
    """The interest a ministry's leadership anchors its reform stance to.

        a_m = clip(w0_m + k_d D_m + k_c C + k_p P - k_s S_m - k_r R_m, 0, 1)

    w0 is the leadership's own will (moved by elections and coups), D donor conditionality
    reaching the ministry through funding ties, C civil-society mobilisation, P parliamentary
    scrutiny, S spoiler threat through patronage ties, R rents the leadership loses to reform.
    Sources: OECD DAC (2007) on coalitions of winners and losers; Detzner (2017) on domestic
    demand sustaining will.
    """
    anchor = (
        leadership_will
        + weights["donor_pressure"] * donor_pressure
        + weights["civil_society_pressure"] * civil_society_pressure
        + weights["parliament_pressure"] * parliament_pressure
        - weights["spoiler_threat"] * spoiler_threat
        - weights["rents_lost"] * rents_lost
    )
    return np.clip(anchor, 0.0, 1.0)


def rents_lost(corruption: np.ndarray, lead_effort: np.ndarray) -> np.ndarray:
    """Rents a leadership expects to lose: R_m = c_m * e_m, its corruption times the reform effort
    on the pillars it leads (capped at 1). Reform threatens the corrupt most (OECD DAC 2007)."""
    return corruption * np.minimum(lead_effort, 1.0)


def election_shock(leadership_will: np.ndarray, draws: np.ndarray, shock_sd: float) -> np.ndarray:
    """A change of government moves each leadership's own will: w0' = clip(w0 + sd * z, 0, 1)."""
    return np.clip(leadership_will + shock_sd * draws, 0.0, 1.0)
