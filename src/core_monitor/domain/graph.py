"""The depends_on graph: topological layers for parallel start, and cycle detection."""

from __future__ import annotations

from collections.abc import Mapping, Set


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join(cycle))


def layers(dependencies: Mapping[str, Set[str]]) -> list[list[str]]:
    """Group nodes so each depends only on nodes of earlier groups (Kahn's algorithm).

    Dependencies on nodes outside the mapping are ignored (switched off by profiles)."""
    remaining = {
        node: {d for d in deps if d in dependencies} for node, deps in dependencies.items()
    }
    result: list[list[str]] = []
    while remaining:
        ready = sorted(node for node, deps in remaining.items() if not deps)
        if not ready:
            raise CycleError(find_cycle(remaining))
        result.append(ready)
        for node in ready:
            del remaining[node]
        for deps in remaining.values():
            deps.difference_update(ready)
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
