"""Security forces, violence, conflict relapse and coups."""

from __future__ import annotations

import numpy as np

from .common import Level


def force_targets(
    pillar_function: np.ndarray, corruption: np.ndarray, oversight_function: Level, will: Level,
    violence: Level, scrutiny: Level, security_assistance: Level, threatened_privileges: np.ndarray,
    assistance_autonomy: float, autonomy_ceiling: float, oversight_restraint: float, professional_restraint: float,
) -> dict[str, np.ndarray]:
    """Where each security force's traits are heading.

        professionalism  P* = (0.15 + 0.85 F_pillar)(1 - 0.5 c) + 0.2 a
        autonomy         A* = a0 (1 - k_o F_oversight)(1 - k_p P) + 0.3 T + k_a a
        loyalty          L* = (0.5 + 0.5 P)(0.4 + 0.6 w)
        abuse            X* = (1 - P)(0.5 + 0.5 V)(1 - 0.5 O)
        effectiveness    E* = P (1 - 0.5 c)

    The other targets use the target professionalism P*, written P above.
    F_pillar is the de facto function of the force's governing pillar, a donor security
    assistance, T the privileges a reform threatens (Svolik 2012: the guardianship dilemma),
    k_a the autonomy foreign training brings (Savage & Caverley 2017), O scrutiny; a0 the autonomy
    of unchecked, unprofessional forces, k_o how much of it civilian oversight removes (Feaver
    2003), k_p how much professionalism removes (Huntington 1957's objective control).
    """
    professionalism = np.clip((0.15 + 0.85 * pillar_function) * (1.0 - 0.5 * corruption) + 0.2 * security_assistance, 0, 1)
    return {
        "professionalism": professionalism,
        "political_autonomy": np.clip(
            autonomy_ceiling * (1.0 - oversight_restraint * oversight_function)
            * (1.0 - professional_restraint * professionalism)
            + 0.3 * threatened_privileges + assistance_autonomy * security_assistance, 0, 1),
        "loyalty": (0.5 + 0.5 * professionalism) * (0.4 + 0.6 * will),
        "abuse": (1.0 - professionalism) * (0.5 + 0.5 * violence) * (1.0 - 0.5 * scrutiny),
        "effectiveness": professionalism * (1.0 - 0.5 * corruption),
    }


def violence_target(
    base: float, spoiler_push: Level, effectiveness: Level, peacekeeping: Level, grievance: Level, legitimacy: Level
) -> Level:
    """Violence level heads to V* = b + S (1 - 0.5 E)(1 - 0.6 K) + 0.3 G (1 - L), capped at 1.

    S is outside spoilers' push, E security forces' effectiveness, K peacekeeping; the last
    term is Epstein's (2002) grievance = hardship x (1 - legitimacy).
    """
    return np.minimum(base + spoiler_push * (1.0 - 0.5 * effectiveness) * (1.0 - 0.6 * peacekeeping)
                      + 0.3 * grievance * (1.0 - legitimacy), 1.0)


def violence_update(violence: Level, target: Level, rate: float, uniform_draw: Level, noise: float) -> Level:
    """V' = clip(V + r (V* - V) + n (u - 1/2), 0, 1): partial adjustment toward the target,
    plus a small uniform shock u (Epstein 2002's punctuated equilibria need noise to tip)."""
    return np.clip(violence + rate * (target - violence) + noise * (uniform_draw - 0.5), 0.0, 1.0)


def relapse_hazard(
    base: float, violence: Level, spoiler_strength: Level, peacekeeping: Level, ddr_function: Level,
    policing_function: Level, governance: Level, years_of_peace: float, peace_memory_years: float,
    protection: dict[str, float],
) -> Level:
    """Monthly hazard of renewed war in a post-conflict state.

        h = h0 (0.5 + 2 V)(0.5 + S)(1 - 0.5 K)(1 - k_D F_DDR)(1 - k_P F_pol)(1 - k_G G) exp(-t / tau)

    Violence V, outside spoilers' strength S, peacekeeping K; working DDR and policing (a
    reformed security sector underpins durable peace: Toft 2010; combatants who keep their
    militias can return to war, Walter 2015); governance quality G, the mean of rule of law and
    government effectiveness (strong political and legal institutions are the primary
    determinant of whether a country falls back into war: Walter 2015, J. Conflict Resolution
    59(7); the risk falls fast after war where governance is good: Hegre & Nygard 2015, JCR
    59(6)). The risk is highest just after the war and fades with years of peace t (Collier,
    Hoeffler & Soderbom 2008). h0 is calibrated (issue 10, docs/calibration.md) so that about 40 %
    of a population of synthetic post-conflict countries relapse within ten years (band 23-57 %:
    Suhrke & Samset 2007; Walter 2010).
    ``protection`` holds k_D, k_P, k_G (judgement, within what these studies support).
    """
    fading = np.exp(-years_of_peace / peace_memory_years)
    institutions = ((1.0 - protection["relapse_ddr_protection"] * ddr_function)
                    * (1.0 - protection["relapse_policing_protection"] * policing_function)
                    * (1.0 - protection["relapse_governance_protection"] * governance))
    return np.minimum(base * (0.5 + 2.0 * violence) * (0.5 + spoiler_strength)
                      * (1.0 - 0.5 * peacekeeping) * institutions * fading, 1.0)


def coup_hazard(base: float, autonomy: Level, loyalty: Level, threatened: Level, past_coups: int | np.ndarray, trap: float) -> Level:
    """Monthly hazard of a coup attempt by the coup-capable forces.

        h = h0 * 4 A (1 - L)(0.5 + T)(1 + kappa min(n_past, 2))

    Military autonomy A, disloyalty, threatened privileges T (Svolik 2012); past successful
    coups raise the risk of more (the coup trap, Londregan & Poole 1990), capped so the trap
    multiplies the hazard at most 1 + 2 kappa.
    """
    return np.minimum(base * 4.0 * autonomy * (1.0 - loyalty) * (0.5 + threatened)
                      * (1.0 + trap * np.minimum(past_coups, 2)), 1.0)


def coup_success_probability(autonomy: Level, mobilisation: Level, independence: Level) -> Level:
    """An attempt succeeds with p = A (1 - 0.5 m)(1 - 0.5 I): mobilised citizens and an independent
    legislature make seizing power harder."""
    return autonomy * (1.0 - 0.5 * mobilisation) * (1.0 - 0.5 * independence)


def relapse_consequences(
    relapsing: np.ndarray, violence: Level, de_facto: np.ndarray, leadership_will: np.ndarray,
    war_violence: float, function_loss: float, will_shock: float,
) -> tuple[Level, np.ndarray, np.ndarray]:
    """What renewed war does, in the replications where it starts (``relapsing``, (R,)).

        V = max(V, V_war);   F_p = (1 - l_F) F_p;   w0_m = clip(w0_m - s_w, 0, 1)

    War destroys working institutions (Collier, Hoeffler & Soderbom 2008: the conflict trap)
    and sets back the leadership's will. Judgement: l_F and s_w.
    """
    rows = relapsing[:, None]
    return (np.where(rows, np.maximum(violence, war_violence), violence),
            np.where(rows, de_facto * (1.0 - function_loss), de_facto),
            np.where(rows, np.clip(leadership_will - will_shock, 0, 1), leadership_will))


def coup_consequences(
    succeeding: np.ndarray, failing: np.ndarray, leadership_will: np.ndarray, independence: np.ndarray,
    autonomy: np.ndarray, coup_capable: np.ndarray, oversight_form: np.ndarray | None,
    donor_patience: np.ndarray, donor_active: np.ndarray, params: dict[str, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """What a coup does, per replication (``succeeding`` and ``failing`` are (R,) masks).

    A successful coup (Svolik 2012: the guardianship dilemma realised) caps the leadership's
    will at w_max, cuts parliament's independence and the oversight pillar's form by shares,
    raises the coup-makers' political autonomy, and costs active donors months of patience
    (aid is suspended after coups, if briefly). A failed one costs the leadership some will.

        w0 = min(w0, w_max);  I = (1 - l_I) I;  A_army = clip(A + g_A, 0, 1);
        J_oversight = (1 - l_J) J;  patience = patience - 12 y_P  (active donors)
        failed: w0 = clip(w0 - l_w, 0, 1)

    Judgement, all of them. Returns will, independence, autonomy, oversight form and patience.
    """
    won, lost = succeeding[:, None], failing[:, None]
    will = np.where(won, np.minimum(leadership_will, params["coup_will_cap"]), leadership_will)
    will = np.where(lost, np.clip(will - params["failed_coup_will_loss"], 0, 1), will)
    independence = np.where(won, independence * (1.0 - params["coup_independence_loss"]), independence)
    autonomy = np.where(won, np.clip(autonomy + params["coup_autonomy_gain"] * coup_capable, 0, 1), autonomy)
    if oversight_form is not None:
        oversight_form = np.where(won, oversight_form * (1.0 - params["coup_oversight_loss"]), oversight_form)
    cut = 12.0 * params["coup_donor_patience_cut_years"]
    patience = np.where(won & donor_active, donor_patience - cut, donor_patience)
    return will, independence, autonomy, oversight_form, patience
