"""The web console's built assets (``dist/``, made by ``make ui-build``; never committed)."""
