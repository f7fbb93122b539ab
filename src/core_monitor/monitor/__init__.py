"""Monitoring: live status, drift, events, stats, logs, host facts and Prometheus metrics."""
