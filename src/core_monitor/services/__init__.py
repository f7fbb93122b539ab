"""Use cases: what the API (and later the CLI) call. No HTTP here."""
