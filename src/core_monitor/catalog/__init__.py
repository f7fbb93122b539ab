"""The wizard's catalog: component files, the rules engine (resolver), rendering, provenance."""
