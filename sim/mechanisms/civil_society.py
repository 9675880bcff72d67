"""Civil society and parliament: monitoring, mobilisation, oversight and public trust."""

from __future__ import annotations

import numpy as np

from .common import Level, relax


def monitoring_update(
    monitoring: np.ndarray, donor_support: Level, civic_space: Level, repression: Level,
    growth_rate: float, repression_rate: float,
) -> np.ndarray:
    """Monitoring capacity of NGOs and media.

        M' = M + g (u + s)(1 - M) - r X M

    grows with donor support u and civic space s (de jure oversight reform), falls under
    repression X by unprofessional, abusive forces (Detzner 2017; OECD DAC 2007).
    """
    change = growth_rate * (donor_support + civic_space) * (1.0 - monitoring)
    change -= repression_rate * repression * monitoring
    return np.clip(monitoring + change, 0.0, 1.0)


def mobilisation_update(mobilisation: np.ndarray, monitoring: np.ndarray, grievance: Level, threat: np.ndarray, rate: float) -> np.ndarray:
    """Mobilisation follows what monitoring reveals and what people resent, dampened by threat:
    target = M (0.3 + 0.7 G)(1 - 0.5 T) (Epstein 2002: grievance drives mobilisation, risk checks it)."""
    return relax(mobilisation, monitoring * (0.3 + 0.7 * grievance) * (1.0 - 0.5 * threat), rate)


def trust_update(trust: np.ndarray, security_delivered: Level, abuse: Level, corruption: Level, rate: float) -> np.ndarray:
    """Public trust in security institutions: target = S (1 - A)(1 - 0.5 c) (security delivered,
    abuse, corruption; OECD DAC 2007; DCAF principles)."""
    return relax(trust, security_delivered * (1.0 - abuse) * (1.0 - 0.5 * corruption), rate)


def parliament_update(
    oversight_capacity: np.ndarray, independence: np.ndarray, legal_mandates: np.ndarray,
    corruption: np.ndarray, oversight_function: Level, form: Level, mobilisation: Level, rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parliamentary oversight capacity, independence from the executive, and mandates passed.

        O* = 0.1 + 0.6 F_oversight + 0.3 m,   I* = (1 - c)(0.4 + 0.6 m),   M* = J_mean

    Oversight capacity follows functioning oversight reform and civil-society demand;
    independence falls with the legislature's own capture; mandates follow the laws adopted
    (OECD DAC 2007; Detzner 2017).
    """
    return (
        relax(oversight_capacity, 0.1 + 0.6 * oversight_function + 0.3 * mobilisation, rate),
        relax(independence, (1.0 - corruption) * (0.4 + 0.6 * mobilisation), rate * 0.5),
        relax(legal_mandates, form, rate),
    )
