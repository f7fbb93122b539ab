"""Structured logging: console for people, JSON for machines (COREMON_LOG_FORMAT=json)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from core_monitor.settings import Settings
from core_monitor.vault import REDACTOR


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level.upper())
    render: structlog.typing.Processor
    if settings.log_format == "json":
        render = structlog.processors.JSONRenderer()
    else:
        render = structlog.dev.ConsoleRenderer(colors=False)

    def renderer(logger: Any, name: str, event: structlog.typing.EventDict) -> Any:
        # the last step: whatever a line carries, a known secret value leaves as ***
        line = render(logger, name, event)
        return REDACTOR.mask(line) if isinstance(line, str) else line

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
