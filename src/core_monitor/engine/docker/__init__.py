"""The Docker adapter: the only package that imports docker-py.

``gateway`` reads, ``mutations`` writes, ``probe`` asks about the engine host's paths,
``rows`` turns the engine's answers into ``engine.model`` types, and ``errors`` is the one
table that turns a docker-py failure into a typed error. Nothing is imported here, so that
importing ``rows`` does not load docker-py.
"""
