"""Several particles in one simulator call: pyabc's samplers, batched.

**Why.** The batch engine costs less a run in larger batches (:func:`sim.run_seeds` steps up to
``MAX_BATCH_ACTORS`` actors at once): a calibration particle is a population of a few hundred
synthetic countries, and four particles' populations run together cost less a particle than
each alone (``python benchmarks/bench_calibration.py`` prints the ratio). pyabc asks its model
for one particle at a time, so this module gathers the model calls of several proposals into one.

**How.** :class:`BatchedSimulateOne` wraps pyabc's ``simulate_one`` (propose θ, simulate,
compute the distance, accept). A call that finds no result waiting runs a *round*: ``particles``
calls of ``simulate_one`` in threads, each thread starting only once the one before it has
reached the model (a turnstile), so pyabc's proposals are drawn from its global generator in the
same order as one call after another; the model calls meet in :func:`coalesced`, which runs them
as one ``evaluate_many`` call once every thread of the round is waiting; the results are then
handed out one a call, in the order of the proposals. The acceptance step after the model draws
no random numbers (pyabc's ``UniformAcceptor``), so with one process a batched run accepts
exactly the particles the same run one by one does (tests/calibration/test_sampler.py). With
several processes pyabc reseeds every worker from the operating system anyway.

**Counting.** pyabc counts an evaluation when ``simulate_one`` returns. Results still waiting
when a generation has its particles (fewer than ``particles`` a process) are discarded and not
counted, as pyabc discards the evaluations running in other processes at that moment; the
progress display counts every simulation.

The module knows nothing of the model: ``evaluate_many`` is any function from a list of items
to the list of their results.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

_thread = threading.local()  # .round: the round this thread belongs to, if any


class _Round:
    """The meeting point of one round's threads (see the module docstring)."""

    def __init__(self, size: int):
        self.condition = threading.Condition()
        self.open = size            # threads that may still call the model
        self.arrived = 0            # threads that called the model, or finished without calling it
        self.called: set[int] = set()
        self.waiting: list[_Call] = []

    def wait_turn(self, position: int) -> None:
        with self.condition:
            self.condition.wait_for(lambda: self.arrived >= position)

    def submit(self, evaluate_many: Callable[[Sequence[Any]], list[Any]], item: Any) -> Any:
        call = _Call(evaluate_many, item)
        with self.condition:
            self.called.add(threading.get_ident())
            self.waiting.append(call)
            self._arrive()
            self.condition.wait_for(lambda: call.done)
        if call.error is not None:
            raise call.error
        return call.result

    def leave(self) -> None:
        """A thread's ``simulate_one`` has returned or raised."""
        with self.condition:
            if threading.get_ident() not in self.called:
                self.open -= 1
                self._arrive()

    def _arrive(self) -> None:
        """(Holding the lock.) Let the next thread propose, and run the waiting calls once every
        thread that may still call the model is waiting."""
        self.arrived += 1
        self.condition.notify_all()
        if not self.waiting or len(self.waiting) < self.open:
            return
        batch, self.waiting = self.waiting, []
        groups: dict[Any, list[_Call]] = {}
        for call in batch:
            groups.setdefault(call.evaluate_many, []).append(call)
        for evaluate_many, calls in groups.items():
            try:
                for call, result in zip(calls, evaluate_many([call.item for call in calls]), strict=True):
                    call.result = result
            except BaseException as error:  # every thread waiting on this call raises it
                for call in calls:
                    call.error = error
        for call in batch:
            call.done = True
        self.open -= len(batch)  # an answered thread does not call the model again this round


class _Call:
    def __init__(self, evaluate_many: Callable[[Sequence[Any]], list[Any]], item: Any):
        self.evaluate_many, self.item = evaluate_many, item
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


def coalesced(evaluate_many: Callable[[Sequence[Any]], list[Any]], item: Any) -> Any:
    """``evaluate_many([item])[0]``; inside a round of :class:`BatchedSimulateOne`, gathered with
    the round's other calls into one ``evaluate_many`` call."""
    meeting = getattr(_thread, "round", None)
    if meeting is None:
        return evaluate_many([item])[0]
    return meeting.submit(evaluate_many, item)


class BatchedSimulateOne:
    """pyabc's ``simulate_one``, run ``particles`` at a time with their model calls in one
    (see the module docstring). Each process that calls it has its own results waiting (the
    samplers fork, or unpickle, a fresh copy)."""

    def __init__(self, simulate_one: Callable[[], Any], particles: int):
        self.simulate_one = simulate_one
        self.particles = particles
        self.ready: list[Any] = []

    def __call__(self) -> Any:
        if not self.ready:
            self.ready = self._round()
        return self.ready.pop(0)

    def _round(self) -> list[Any]:
        meeting = _Round(self.particles)
        results: list[Any] = [None] * self.particles
        errors: list[BaseException] = []

        def run(position: int) -> None:
            _thread.round = meeting
            try:
                meeting.wait_turn(position)
                results[position] = self.simulate_one()
            except BaseException as error:
                errors.append(error)
            finally:
                meeting.leave()

        threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(self.particles)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results


@functools.cache
def batched_sampler_class(base: type) -> type:
    """``base`` (a pyabc sampler class) with its ``simulate_one`` run ``particles_per_batch`` at a
    time (:class:`BatchedSimulateOne`). With pyabc's Dask sampler give ``batch_size`` equal to
    ``particles_per_batch``: then each task runs one round and every result it simulates counts."""

    class Batched(base):
        def __init__(self, *args: Any, particles_per_batch: int, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.particles_per_batch = particles_per_batch

        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
            return super().sample_until_n_accepted(n, BatchedSimulateOne(simulate_one, self.particles_per_batch), t,
                                                   **kwargs)

    Batched.__name__ = Batched.__qualname__ = f"Batched{base.__name__}"
    return Batched
