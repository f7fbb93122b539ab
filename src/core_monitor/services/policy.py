"""The stack policy and its per-stack exceptions: read by all, changed by admins, every
change audited in the transaction that makes it."""

from __future__ import annotations

from core_monitor.domain.actor import Actor
from core_monitor.domain.policy import RULES, Policy, PolicyException
from core_monitor.errors import FieldError, NotFound, ValidationFailed
from core_monitor.store import audit
from core_monitor.store import policy as policy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


def _disabled(policy: Policy) -> dict[str, list[str]]:
    return {"disabled": sorted(r for r in RULES if not policy.enabled(r))}


class PolicyService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def policy(self) -> Policy:
        with self.db.read() as session:
            return policy_store.get_policy(session)

    def replace(self, actor: Actor, policy: Policy) -> Policy:
        with self.db.write() as session:
            before = policy_store.get_policy(session)
            policy_store.save_policy(session, policy, actor.name)
            audit.record_by(
                session,
                actor,
                "policy.update",
                "policy",
                details={
                    "before": before.model_dump(mode="json", exclude={"rules"}) | _disabled(before),
                    "after": policy.model_dump(mode="json", exclude={"rules"}) | _disabled(policy),
                },
            )
            return policy_store.get_policy(session)

    def exceptions(self) -> list[PolicyException]:
        with self.db.read() as session:
            return policy_store.exceptions(session)

    def grant(self, actor: Actor, stack_ref: str, rule: str, reason: str) -> PolicyException:
        if rule not in RULES:
            raise ValidationFailed([FieldError("rule", f"unknown rule; known: {sorted(RULES)}")])
        with self.db.write() as session:
            try:
                stack = stack_store.get_stack(session, stack_ref)
            except NotFound:
                hint = f"no stack {stack_ref!r}: create the stack, then grant the exception"
                raise ValidationFailed([FieldError("stack", hint)]) from None
            granted = policy_store.add_exception(
                session, stack=stack, rule=rule, reason=reason, by=actor.name
            )
            audit.record_by(
                session,
                actor,
                "policy.exception.grant",
                f"stack:{stack.stack_id}",
                details={"stack": stack.name, "rule": rule, "reason": reason},
            )
            return granted

    def withdraw(self, actor: Actor, exception_id: int) -> None:
        with self.db.write() as session:
            removed = policy_store.remove_exception(session, exception_id)
            audit.record_by(
                session,
                actor,
                "policy.exception.withdraw",
                f"stack:{removed.stack_id}",
                details={"stack": removed.stack, "rule": removed.rule},
            )
