"""Docker convergence: observe → plan (pure) → execute. Only engine/docker/ imports docker-py."""
