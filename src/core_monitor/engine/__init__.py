"""Docker convergence: observe → plan (pure) → execute. Only gateway.py imports docker."""
