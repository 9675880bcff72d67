"""Interventions: decisions taken mid-run, by a workshop team or scheduled in a scenario.

Where the model already has a mechanism for the effect (effort and the load it brings,
conditionality, security assistance, peacekeeping, donor support to civil society, elections)
an intervention moves that mechanism's input and lets the model's own equations do the rest.
Co-opting and confronting one named spoiler are one-off changes to that spoiler (the standing
policy for every spoiler is ``mechanisms.spoilers.cooptation_effort`` and ``coercion``).
No intervention draws random numbers, so a run with interventions and one without share
their shocks (common random numbers). Sizes are ``mechanisms.interventions`` (judgement).
"""

from __future__ import annotations

import numpy as np

from .common import Level, weighted_total


def shift_effort(effort: np.ndarray, pillar: int, change: float) -> np.ndarray:
    """A pillar's effort moved by ``change`` and kept on [0, 1]: e_p' = clip(e_p + delta, 0, 1)."""
    moved = effort.copy()
    moved[..., pillar] = np.clip(effort[..., pillar] + change, 0.0, 1.0)
    return moved


def nudge_active(values: np.ndarray, active: np.ndarray, change: float) -> np.ndarray:
    """Active donors' policy (conditionality, enforcement, assistance) moved by ``change`` on [0, 1]."""
    return np.where(active, np.clip(values + change, 0.0, 1.0), values)


def reinforce_peacekeeping(peacekeeping: np.ndarray, active: np.ndarray, budget: np.ndarray,
                           step: float) -> np.ndarray:
    """Troops come with a donor: the active donor already contributing most (the mission, if
    there is one; the largest budget breaks ties) adds ``step``, up to 1. No active donor: none."""
    ranking = np.where(active, peacekeeping + 1e-6 * budget, -np.inf)
    leader = np.argmax(ranking, axis=-1)[..., None]
    chosen = (np.arange(peacekeeping.shape[-1]) == leader) & active
    return np.where(chosen, np.minimum(peacekeeping + step, 1.0), peacekeeping)


def coopt(strength: np.ndarray, stance: np.ndarray, pull: np.ndarray, strength_cut: float,
          stance_pull: float) -> tuple[np.ndarray, np.ndarray]:
    """Buy spoilers in (Stedman 1997: inducement), in proportion to their pull Q = cooptable x
    co-optability (zero for total spoilers, who cannot be bought, and for spoilers not chosen).

        S' = S (1 - k_S Q);   s' = s + k_s Q (1 - s)

    Returns the spoilers' new strength and stance. The price (their clients' corruption) is
    :func:`cooptation_price`."""
    return strength * (1.0 - strength_cut * pull), stance + stance_pull * pull * (1.0 - stance)


def cooptation_price(corruption: np.ndarray, clients: np.ndarray, pull: Level, price: float) -> np.ndarray:
    """Officials a co-opted spoiler patronises (``clients``) grow more corrupt: c' = clip(c + k_c Q, 0, 1)."""
    return np.where(clients, np.clip(corruption + price * pull, 0.0, 1.0), corruption)


def confront(strength: np.ndarray, chosen: np.ndarray, resolve: np.ndarray, inside: np.ndarray,
             effectiveness: Level, violence: Level, base: float, capacity_share: float,
             backlash: float) -> tuple[np.ndarray, Level]:
    """Coerce the chosen spoilers (Stedman 1997: coercion); outside ones fight back.

        S' = S max(1 - (b + k_E E), 0);   V' = min(V + k_V sum_{chosen, outside} S rho, 1)

    E is the security forces' effectiveness; the backlash uses the strength before the blow.
    Returns the spoilers' new strength and violence."""
    pushed = backlash * weighted_total(strength * resolve, chosen & ~inside)
    weakened = np.where(chosen, strength * np.maximum(1.0 - (base + capacity_share * effectiveness), 0.0), strength)
    return weakened, np.minimum(violence + pushed, 1.0)
