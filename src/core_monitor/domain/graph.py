"""The depends_on graph: topological layers for parallel start, and cycle detection."""

from __future__ import annotations

from collections.abc import Mapping, Set


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join(cycle))


def layers(dependencies: Mapping[str, Set[str]]) -> list[list[str]]:
    """Group nodes so each depends only on nodes of earlier groups (Kahn's algorithm).

    Dependencies on nodes outside the mapping are ignored (switched off by profiles).
    Linear in nodes + edges (plus sorting each group): each node is released once, by
    counting its unmet dependencies, never by rescanning the rest of the graph."""
    unmet: dict[str, int] = {}
    dependents: dict[str, list[str]] = {node: [] for node in dependencies}
    for node, deps in dependencies.items():
        known = {d for d in deps if d in dependencies}
        unmet[node] = len(known)
        for dep in known:
            dependents[dep].append(node)
    ready = sorted(node for node, count in unmet.items() if count == 0)
    result: list[list[str]] = []
    placed = 0
    while ready:
        result.append(ready)
        placed += len(ready)
        released = []
        for node in ready:
            for dependent in dependents[node]:
                unmet[dependent] -= 1
                if unmet[dependent] == 0:
                    released.append(dependent)
        ready = sorted(released)
    if placed < len(dependencies):
        stuck = {node: set(dependencies[node]) for node, count in unmet.items() if count}
        raise CycleError(find_cycle(stuck))
    return result


def find_cycle(dependencies: Mapping[str, Set[str]]) -> list[str]:
    """One cycle, as a path that ends where it starts (``a -> b -> a``)."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done or node not in dependencies:
            return None
        visiting.append(node)
        for dep in sorted(dependencies[node]):
            found = visit(dep)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(dependencies):
        found = visit(start)
        if found:
            return found
    return []
