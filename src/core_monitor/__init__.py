"""Core Monitor: a self-hosted Docker stack orchestrator."""

__version__ = "0.1.0"
