"""The six Mesa agent classes: thin, read-only views onto the state arrays.

The step never loops over agents; these views exist so a user (or the app) can inspect an
actor as an object: ``model.agents_by_type[Ministry][0].political_will``.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from .model import ReformModel


class _IdCountersByModel(weakref.WeakKeyDictionary):
    """Mesa 3.3 keeps each model's agent-id counter in a class-level dict keyed by the model,
    which keeps every model ever built alive (a leak in sweeps of thousands of runs; Mesa 3.5
    no longer does this). Weak keys let a finished model go."""

    def __getitem__(self, model: object) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class Actor(mesa.Agent):
    """An actor on the influence network; ``index`` is its row in the global state arrays."""

    actor_type = ""
    _ids = _IdCountersByModel()

    def __init__(self, model: "ReformModel", index: int, row: int) -> None:
        super().__init__(model)
        self.index = index  # in the shared arrays
        self.row = row      # in its type's arrays

    @property
    def name(self) -> str:
        return self.model.state.names[self.index]

    @property
    def stance(self) -> float:
        """Support for reform on [0, 1]."""
        return float(self.model.state.stance[self.index])

    @property
    def influence(self) -> float:
        return float(self.model.state.influence[self.index])

    def _value(self, field: str) -> float:
        return float(self.model.state.types[self.actor_type].values[field][self.row])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Ministry(Actor):
    actor_type = "ministry"

    capacity = property(lambda self: self._value("capacity"), doc="de facto capability")
    absorptive_capacity = property(lambda self: self._value("absorptive_capacity"))
    political_will = property(lambda self: self.stance, doc="the leadership's reform stance")
    leadership_will = property(lambda self: self._value("leadership_will"), doc="will before pressures")
    corruption = property(lambda self: float(self.model.state.corruption[self.index]))
    integrity = property(lambda self: 1.0 - self.corruption)

    @property
    def formal_progress(self) -> float:
        """Mean de jure progress of the pillars this ministry leads (NaN if it leads none)."""
        state = self.model.state
        led = state.pillar_lead == self.row
        return float(state.de_jure[led].mean()) if led.any() else float("nan")


class SecurityForce(Actor):
    actor_type = "security_force"

    professionalism = property(lambda self: self._value("professionalism"))
    political_autonomy = property(lambda self: self._value("political_autonomy"))
    abuse = property(lambda self: self._value("abuse"))
    loyalty = property(lambda self: self._value("loyalty"))
    effectiveness = property(lambda self: self._value("effectiveness"))
    rent_seeking = property(lambda self: float(self.model.state.corruption[self.index]))


class Parliament(Actor):
    actor_type = "parliament"

    oversight_capacity = property(lambda self: self._value("oversight_capacity"))
    independence = property(lambda self: self._value("independence"))
    legal_mandates = property(lambda self: self._value("legal_mandates"))
    corruption = property(lambda self: float(self.model.state.corruption[self.index]))


class CivilSociety(Actor):
    actor_type = "civil_society"

    monitoring = property(lambda self: self._value("monitoring"))
    mobilisation = property(lambda self: self._value("mobilisation"))
    trust = property(lambda self: self._value("trust"))


class Donor(Actor):
    actor_type = "donor"

    budget = property(lambda self: self._value("budget"))
    conditionality = property(lambda self: self._value("conditionality"))
    enforcement = property(lambda self: self._value("enforcement"))
    patience_months = property(lambda self: self._value("patience"))
    coordination = property(lambda self: self._value("coordination"))
    flexibility = property(lambda self: self._value("flexibility"))
    visibility_preference = property(lambda self: self._value("visibility_preference"))
    security_assistance = property(lambda self: self._value("security_assistance"))
    peacekeeping = property(lambda self: self._value("peacekeeping"))
    active = property(lambda self: bool(self.model.state.types["donor"].active[self.row]))


class Spoiler(Actor):
    actor_type = "spoiler"

    strength = property(lambda self: self._value("strength"))
    cooptability = property(lambda self: self._value("cooptability"))
    inside = property(lambda self: bool(self.model.state.types["spoiler"].inside[self.row]))

    @property
    def rents(self) -> dict[str, float]:
        state = self.model.state
        return dict(zip(state.pillar_names, state.spoiler_rents[self.row].tolist()))


AGENT_CLASSES = (Ministry, SecurityForce, Parliament, CivilSociety, Donor, Spoiler)
