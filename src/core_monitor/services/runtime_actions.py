"""The executors that act on what runs: DELETE, START, STOP, RESTART (and a MOVE's removal).

Like Compose: layer after layer in depends_on order (read from Compose's label on each
container), dependents first for a stop or a removal, each container given its service's
stop_grace_period. On the stack's host, its engine checked first (``Convergence.checked``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from core_monitor.domain.commands import CommandType, DeletePayload, RuntimeActionPayload
from core_monitor.domain.graph import layers
from core_monitor.domain.health import assess
from core_monitor.domain.stack import Stack, StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine import schedule
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.mutations import DockerMutations
from core_monitor.engine.executor import POOL_SIZE
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import DesiredService
from core_monitor.errors import TerminalError
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry
from core_monitor.store import stacks as stack_store
from core_monitor.store import stopped as stopped_store

if TYPE_CHECKING:
    from core_monitor.services.convergence import Convergence


class RuntimeActions:
    def __init__(self, convergence: Convergence) -> None:
        self.convergence = convergence

    def register(self, registry: ExecutorRegistry) -> None:
        registry.register(CommandType.DELETE, self.delete)
        registry.register(CommandType.START, self.start)
        registry.register(CommandType.STOP, self.stop)
        registry.register(CommandType.RESTART, self.restart)

    def delete(self, ctx: ExecutionContext) -> None:
        stack_id = ctx.command.stack_id or ""
        remove_volumes = ctx.command.payload_as(DeletePayload).remove_volumes
        with self.convergence.db.read() as session:
            stack = stack_store.get_stack(session, stack_id)
        self.remove(ctx, stack, self.convergence.checked(ctx), remove_volumes)
        with self.convergence.db.write() as session:
            stack_store.soft_delete(session, stack_id)

    def remove(
        self, ctx: ExecutionContext, stack: Stack, gateway: DockerGateway, remove_volumes: bool
    ) -> None:
        """The stack's containers, networks (and, ``remove_volumes``, volumes) on the host
        of ``gateway``: what is gone already is not looked for again (a re-run after a
        crash finishes the job)."""
        mutations = DockerMutations(gateway, fence=ctx.check_lease)
        grace = self._stop_timeouts(stack.stack_id, stack.current_version or stack.desired_version)

        def remove(container: ObservedContainer) -> None:
            ctx.checkpoint()
            ctx.log(f"remove {container.name}", service=container.service)
            mutations.stop(container.id, timeout=grace.get(container.service))
            # like `docker compose down -v`: anonymous volumes go with their container
            mutations.remove_container(container.id, anonymous_volumes=remove_volumes)

        self._in_layers(self._ordered(gateway, stack.name, None, reverse=True), remove)
        for network in gateway.networks(stack.name):
            ctx.checkpoint()
            ctx.log(f"remove network {network.name}")
            mutations.remove_network(network.id)
        if remove_volumes:
            for volume in gateway.volumes(stack.name):
                ctx.checkpoint()
                ctx.log(f"remove volume {volume.name}")
                mutations.remove_volume(volume.name)
        else:
            ctx.log("named volumes kept (remove_volumes: false)")

    def start(self, ctx: ExecutionContext) -> None:
        self._runtime_action(ctx, "start")

    def stop(self, ctx: ExecutionContext) -> None:
        self._runtime_action(ctx, "stop")

    def restart(self, ctx: ExecutionContext) -> None:
        self._runtime_action(ctx, "restart")

    def _runtime_action(self, ctx: ExecutionContext, action: str) -> None:
        stack_id = ctx.command.stack_id or ""
        with self.convergence.db.read() as session:
            stack = stack_store.get_stack(session, stack_id)
        service = ctx.command.payload_as(RuntimeActionPayload).service
        gateway = self.convergence.checked(ctx)
        containers = self._ordered(gateway, stack.name, service, reverse=action == "stop")
        if not containers:
            raise TerminalError(f"no containers for {service or stack.name}: apply a version first")
        mutations = DockerMutations(gateway, fence=ctx.check_lease)
        grace = self._stop_timeouts(stack_id, stack.current_version or stack.desired_version)

        def act(container: ObservedContainer) -> None:
            ctx.checkpoint()
            ctx.log(f"{action} {container.name}", service=container.service)
            if action == "start":
                mutations.start(container.id)
            elif action == "stop":
                mutations.stop(container.id, timeout=grace.get(container.service))
            else:
                mutations.restart(container.id, timeout=grace.get(container.service))

        self._in_layers(containers, act)
        acted = {c.service for _, c in containers}
        status = self._record_action(stack, action, service, acted, gateway.containers(stack.name))
        ctx.log(f"stack is {status}")

    def _record_action(
        self,
        stack: Stack,
        action: str,
        service: str | None,
        acted: set[str],
        remaining: list[ObservedContainer],
    ) -> StackStatus:
        """A STOP is a desired state of the services it stopped, until a START or RESTART
        of them (or an APPLY); the status is judged on what runs, in the applied version's
        terms (the latest saved version may not run yet)."""
        version = stack.current_version
        wanted = self.convergence.desired(stack.stack_id, version)[1].services if version else None
        with self.convergence.db.write() as session:
            if action == "stop":
                stopped_store.mark_stopped(session, stack.stack_id, acted)
            else:
                stopped_store.clear_stopped(session, stack.stack_id, acted if service else None)
            stopped = stopped_store.stopped_services(session, [stack.stack_id])
            status = status_of(wanted, remaining, stopped=stopped.get(stack.stack_id, frozenset()))
            stack_store.set_status(session, stack.stack_id, status)
        return status

    def _stop_timeouts(self, stack_id: str, version: int | None) -> dict[str, int]:
        """Each service's stop_grace_period in seconds, as the version says (none: the
        container's own, set at create from the same value)."""
        if not version:
            return {}
        services = self.convergence.desired(stack_id, version)[0].services
        return {
            name: spec.stop_grace_period // 1_000_000_000
            for name, spec in services.items()
            if spec.stop_grace_period is not None
        }

    @staticmethod
    def _in_layers(
        ordered: list[tuple[int, ObservedContainer]], act: Callable[[ObservedContainer], None]
    ) -> None:
        """Like Compose: layer after layer, every container of a layer at once."""
        after = schedule.in_layers([layer for layer, _ in ordered])
        schedule.run([c for _, c in ordered], after, act, POOL_SIZE)

    @staticmethod
    def _ordered(
        gateway: DockerGateway, project: str, service: str | None, reverse: bool
    ) -> list[tuple[int, ObservedContainer]]:
        """Containers with their layer, in depends_on order (read from Compose's label on
        each container); ``reverse``: dependents first (a stop, a removal)."""
        containers = [
            c for c in gateway.containers(project) if service is None or c.service == service
        ]
        graph: dict[str, set[str]] = {}
        for c in containers:
            deps = lbl.decode_depends_on(c.labels.get(lbl.COMPOSE_DEPENDS_ON, ""))
            graph.setdefault(c.service, set()).update(deps)
        order = {name: i for i, names in enumerate(layers(graph)) for name in names}
        ranked = sorted(
            ((order.get(c.service, 0), c) for c in containers),
            key=lambda lc: (lc[0], lc[1].service, lc[1].number),
        )
        return list(reversed(ranked)) if reverse else ranked


def status_of(
    wanted: Mapping[str, DesiredService] | None,
    containers: list[ObservedContainer],
    *,
    stopped: AbstractSet[str] = frozenset(),
) -> StackStatus:
    """What the executor records: the monitor's health rule on the same containers."""
    return StackStatus(assess(wanted, containers, stopped=stopped).stack)
