"""The scheduler: which step may run when, and running them on a bounded pool. No Docker.

In the spirit of Compose v1's ``parallel.py``: the plan gives the steps in run order; this
module derives what each step waits for (``constraints``), runs every step once those have
succeeded, at most ``pool_size`` at once, in plan order among the ready ones (``run``), and
polls a readiness probe (``wait_until``). A step whose upstream failed is not run.

The constraints (the executor's order since the first version, measured in the benchmarks):
- pulls first, all at once; then builds, all at once; then networks and volumes one after
  another; then removals, all at once; then the containers;
- a container's create runs as soon as the removals are done (like Compose's create phase),
  except for a container that joins another's namespaces (the planner lists them in its
  step's ``joins``): it waits for the layers before its own, as recreates do;
- a start or restart follows its own create or recreate, the previous start of its service
  (the engine races on published port ranges), and every step of the earlier layers;
- a wait follows every container step of its layer; the next layer follows the waits.

Runtime actions on a whole stack (start, stop, restart, down) have no plan: ``in_layers``
orders them like Compose, layer after layer and all of a layer at once (stops and removals
in reverse dependency order, so a dependent stops before what it depends on).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from core_monitor.domain.plan import ContainerStep, Step, StepKind, WaitStep

T = TypeVar("T")

_PHASES = (
    (StepKind.PULL_IMAGE,),
    (StepKind.BUILD_IMAGE,),  # after the pulls: a build may start FROM a pulled image
    (StepKind.CREATE_NETWORK, StepKind.CREATE_VOLUME),
    (StepKind.WRITE_PROJECT_FILES,),  # done before any container is made
    (StepKind.REMOVE_CONTAINER,),
)
_SERIAL_PHASE = 2  # networks and volumes: one after another
_STARTS = (StepKind.START_CONTAINER, StepKind.RESTART_CONTAINER)
_MAKES = (StepKind.CREATE_CONTAINER, StepKind.RECREATE_CONTAINER)


class NeverReady(Exception):
    """The probe said the condition can no longer be met (its words in ``args[0]``)."""


class ReadyTimedOut(Exception):
    pass


def constraints(steps: Sequence[Step]) -> list[frozenset[int]]:
    """For each step, the indices of the earlier steps that must succeed before it runs."""
    after: list[frozenset[int]] = []
    barrier: frozenset[int] = frozenset()  # the last phase that had steps
    phase: list[int] = []
    phase_no = 0
    made: dict[str, int] = {}  # target → its create or recreate
    last_start: dict[str, int] = {}  # service → its latest start or restart
    layers: dict[int, list[int]] = {}  # layer → its container steps and waits
    earlier_of: dict[int, frozenset[int]] = {}  # layer → the steps of the layers before it
    for index, step in enumerate(steps):
        kind_phase = next((n for n, kinds in enumerate(_PHASES) if step.kind in kinds), None)
        if kind_phase is not None:
            if kind_phase != phase_no:
                barrier, phase, phase_no = frozenset(phase) or barrier, [], kind_phase
            serial = kind_phase == _SERIAL_PHASE and phase
            after.append(barrier | {phase[-1]} if serial else barrier)
            phase.append(index)
            continue
        if phase:
            barrier, phase, phase_no = frozenset(phase), [], len(_PHASES)
        assert isinstance(step, ContainerStep | WaitStep)
        layer = step.layer or 0
        if layer not in earlier_of:  # the plan lists layers in order: those before are done
            earlier_of[layer] = frozenset(i for n, ids in layers.items() if n < layer for i in ids)
        earlier = earlier_of[layer]
        after.append(barrier | _own(step, index, layer, earlier, made, last_start, layers))
        layers.setdefault(layer, []).append(index)
    return after


def _own(
    step: ContainerStep | WaitStep,
    index: int,
    layer: int,
    earlier: frozenset[int],
    made: dict[str, int],
    last_start: dict[str, int],
    layers: dict[int, list[int]],
) -> frozenset[int]:
    """What a container step or a wait waits for beyond the resources and removals."""
    if isinstance(step, WaitStep):
        return earlier | frozenset(layers.get(layer, []))
    if step.kind == StepKind.CREATE_CONTAINER and not step.joins:
        made[step.target] = index
        return frozenset()
    if step.kind in _MAKES:
        made[step.target] = index
        return earlier
    own = {made[step.target]} if step.target in made else set()
    if step.service in last_start:
        own.add(last_start[step.service])
    last_start[step.service] = index
    return earlier | own


def in_layers(layer_of: Sequence[int]) -> list[frozenset[int]]:
    """For items listed layer by layer (``layer_of[i]``: item i's layer, in run order), the
    indices each waits for: every item of the layers listed before its own."""
    after: list[frozenset[int]] = []
    before: frozenset[int] = frozenset()
    group: list[int] = []
    seen: set[int] = set()
    for index, layer in enumerate(layer_of):
        if not group or layer != layer_of[group[0]]:
            if layer in seen:
                raise ValueError(f"item {index}: layer {layer} is listed in two places")
            seen.add(layer)
            before, group = before | frozenset(group), []
        after.append(before)
        group.append(index)
    return after


def run(
    items: Sequence[T],
    after: Sequence[frozenset[int]],
    action: Callable[[T], None],
    pool_size: int,
) -> None:
    """Run ``action`` on each item once every item it comes ``after`` has succeeded, at most
    ``pool_size`` at once, in list order among the ready ones. An item whose upstream failed
    (or was skipped) is skipped. Once nothing runs any more, the first failure in list order
    is raised: nothing is left half-running."""
    waiting_on = [len(deps) for deps in after]
    dependents: list[list[int]] = [[] for _ in items]
    for index, deps in enumerate(after):
        for dep in deps:
            if not 0 <= dep < index:
                raise ValueError(f"item {index} cannot come after item {dep}")
            dependents[dep].append(index)
    limit = max(1, pool_size)
    ready = [i for i, count in enumerate(waiting_on) if count == 0]
    heapq.heapify(ready)
    failures: dict[int, BaseException] = {}
    running: dict[Future[None], int] = {}
    with ThreadPoolExecutor(max_workers=limit) as pool:
        while ready or running:
            while ready and len(running) < limit:
                index = heapq.heappop(ready)
                running[pool.submit(action, items[index])] = index
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                error = future.exception()
                if error is not None:
                    failures[index] = error
                    continue
                for dependent in dependents[index]:
                    waiting_on[dependent] -= 1
                    if waiting_on[dependent] == 0:
                        heapq.heappush(ready, dependent)
    if failures:
        raise failures[min(failures)]


def wait_until(
    probe: Callable[[], bool | str],
    timeout: float,
    poll: float,
    on_waiting: Callable[[], None] = lambda: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Poll ``probe`` until it says True. It says False for "not yet" and a reason when the
    condition can no longer be met (raises NeverReady). ``on_waiting`` is called once, on
    the first "not yet". Returns whether it had to wait; raises ReadyTimedOut past
    ``timeout`` seconds."""
    deadline = clock() + timeout
    waited = False
    while True:
        state = probe()
        if state is True:
            return waited
        if isinstance(state, str):
            raise NeverReady(state)
        if not waited:
            on_waiting()
            waited = True
        if clock() > deadline:
            raise ReadyTimedOut(f"not ready after {timeout:g} s")
        sleep(poll)
