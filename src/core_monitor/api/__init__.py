"""HTTP: routers validate, call a service and shape a response."""
