"""The MOVE executor: a stack leaves its Docker host for another.

Steps, each idempotent: both engines checked (the target first: nothing is removed for a
host that could not take the stack); the stack's containers and networks removed from the
old host (its named volumes too with ``remove_volumes``, else left there: volumes are not
carried over); the stack's ``host_id`` set to the new host; the version it ran applied
there. A re-run after a crash finds the stack either still on the old host (the removal
goes on where it stopped) or on the new one already (only the apply runs again).
"""

from __future__ import annotations

from core_monitor.domain.commands import CommandType, MovePayload
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry
from core_monitor.services.convergence import Convergence
from core_monitor.services.runtime_actions import RuntimeActions
from core_monitor.store import audit
from core_monitor.store import stacks as stack_store


class Move:
    def __init__(self, convergence: Convergence) -> None:
        self.convergence = convergence

    def register(self, registry: ExecutorRegistry) -> None:
        registry.register(CommandType.MOVE, self.run)

    def run(self, ctx: ExecutionContext) -> None:
        payload = ctx.command.payload_as(MovePayload)
        db, hosts = self.convergence.db, self.convergence.hosts
        with db.read() as session:
            stack = stack_store.get_stack(session, ctx.command.stack_id or "")
        hosts.checked(payload.host)
        if stack.host_id != payload.host:
            old = hosts.checked(stack.host_id)
            ctx.log(f"remove {stack.name} from host {stack.host_id}", host=stack.host_id)
            RuntimeActions(self.convergence).remove(ctx, stack, old, payload.remove_volumes)
            ctx.checkpoint()
            with db.write() as session:
                stack_store.set_host(session, stack.stack_id, payload.host)
                audit.record(
                    session,
                    actor=ctx.command.requested_by,
                    action="stack.move",
                    target=f"stack:{stack.stack_id}",
                    details={"from": stack.host_id, "to": payload.host},
                )
            ctx.log(f"{stack.name} now runs on host {payload.host}", host=payload.host)
        # the new host runs the version's tags (its pins name images of the old host's)
        self.convergence.converge(ctx, payload.version, f"apply on {payload.host}")
