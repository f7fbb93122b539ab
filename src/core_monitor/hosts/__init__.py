"""Docker hosts: where each one is, and the one place that builds clients for them."""
