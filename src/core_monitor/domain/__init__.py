"""Pure domain vocabulary: no framework, database or Docker imports."""
