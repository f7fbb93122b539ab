"""Authentication primitives: password hashing and opaque credentials."""
