"""What a stack may reach beyond its own containers: host paths, and other stacks' resources.

``StackScope`` carries what is known when a request is judged (only the definition at version
creation; the engine's answers right before a create). ``bind_violations`` judges a host path
bound by a container or by a local volume's ``o: bind``; ``check_volume`` and
``check_network`` judge the resources a stack creates. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from core_monitor.domain.host_paths import clean, judge, under
from core_monitor.domain.policy import Policy, Violation


@dataclass(frozen=True)
class Resolved:
    """Where a bind source leads on the engine's host: its real path, or why it cannot be
    resolved safely."""

    path: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ForeignBind:
    """A host path another stack's container binds (its real path, as the engine reports)."""

    owner: str
    path: str
    writable: bool


@dataclass(frozen=True)
class StackScope:
    """What belongs to the stack, and what the engine knows, for one check.

    ``containers``: ids and names of the stack's own containers (a namespace or
    ``volumes_from`` may join only those). ``owners``: ``volume:<name>`` or ``network:<name>``
    → the project label of an existing resource (None: unlabelled); a name not in it is not
    known (at version creation) or does not exist yet. ``resolved``: cleaned bind source →
    where it leads; a source not in it is judged as written (at version creation).
    ``foreign_binds``: what other stacks' containers bind: a stack that can write where
    another binds could plant a link the other's next start would follow.
    """

    project: str
    containers: frozenset[str] = frozenset()
    owners: Mapping[str, str | None] = field(default_factory=dict)
    resolved: Mapping[str, Resolved] = field(default_factory=dict)
    foreign_binds: Sequence[ForeignBind] = ()


def owned_elsewhere(at: str, scope: StackScope, kind: str, name: str) -> Iterator[Violation]:
    """A violation when an existing volume or network belongs to another stack."""
    key = f"{kind}:{name}"
    if key in scope.owners and scope.owners[key] not in (None, scope.project):
        yield Violation(
            "foreign_resources",
            at,
            f"{kind} {name!r} belongs to stack {scope.owners[key]!r}",
        )


def bind_violations(
    at: str, source: str, scope: StackScope, policy: Policy, *, writable: bool = True
) -> Iterator[Violation]:
    """A host path bound (by a bind mount or a local volume's ``o: bind``), judged where its
    links lead on the engine's host when that is known, else as written; and against what
    other stacks bind, when either side may write."""
    if not source.startswith("/"):
        yield Violation("bind_outside_roots", at, f"{source!r} is not an absolute host path")
        return
    written = clean(source)
    found = scope.resolved.get(written)
    if found is not None and found.path is None:
        yield Violation("bind_outside_roots", at, f"{source!r}: {found.problem}")
        return
    for path in dict.fromkeys([written, *([found.path] if found and found.path else [])]):
        ruling = judge(path, policy.sensitive_paths, policy.allowed_bind_roots)
        if ruling is not None:
            via = "" if path == source else f" (that is {path!r})"
            yield Violation(ruling.rule, at, f"{source!r}{via} {ruling.message}")
            return
    real = found.path if found is not None and found.path else written
    for other in scope.foreign_binds:
        shared = under(real, other.path) or under(other.path, real)
        if other.owner != scope.project and shared and (writable or other.writable):
            yield Violation(
                "foreign_resources",
                at,
                f"{source!r} overlaps {other.path!r}, which stack {other.owner!r} binds",
            )
            return


def check_volume(
    at: str, driver: str | None, options: Mapping[str, str], scope: StackScope, policy: Policy
) -> list[Violation]:
    """A volume the stack creates: a plain local volume, a tmpfs, or a local bind (judged as
    a bind mount of its ``device``); any other driver or device mount needs an exception."""
    if driver not in (None, "", "local"):
        return [Violation("volume_drivers", f"{at}.driver", f"volume driver {driver!r}")]
    if not options:
        return []
    flags = {f.strip() for f in options.get("o", "").split(",")}
    if flags & {"bind", "rbind"}:
        device = options.get("device", "")
        return list(bind_violations(f"{at}.driver_opts.device", device, scope, policy))
    if options.get("type") == "tmpfs" and options.get("device", "tmpfs") == "tmpfs":
        return []
    return [
        Violation(
            "volume_drivers",
            f"{at}.driver_opts",
            f"a device mount (type {options.get('type')!r}, device {options.get('device')!r})",
        )
    ]


def check_network(at: str, name: str, driver: str | None, external: bool) -> list[Violation]:
    """A network the stack declares: bridge only; the engine's host network is the host's."""
    if name == "host" or driver == "host":
        return [Violation("host_namespaces", at, "the engine's host network")]
    if not external and driver not in (None, "", "bridge"):
        return [Violation("network_drivers", f"{at}.driver", f"network driver {driver!r}")]
    return []
