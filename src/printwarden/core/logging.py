"""Structured logging for every role: one JSON (or console) line per event via structlog."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

#: Secrets that may ride in a URL or a message: ``?token=...`` (the agent's WebSocket may
#: pass its token so) and any printwarden bearer token (``pwa_...``, ``pwt_...``, ``pwu_...``).
_SECRET_PARAM = re.compile(r"((?:^|[?&;\s\"'])(?:token|access_token|code|password)=)[^&\s\"']*",
                           re.IGNORECASE)
_BEARER = re.compile(r"\b(pw[atu]_)[A-Za-z0-9_-]{6,}")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with token-like query parameters and bearer tokens masked."""
    return _BEARER.sub(r"\1" + REDACTED, _SECRET_PARAM.sub(r"\1" + REDACTED, text))


class RedactingFilter(logging.Filter):
    """Masks secrets in every record a handler writes (uvicorn's lines included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _redact_event(_logger: Any, _name: str,
                  event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """structlog processor: masks secrets in every string value of an event."""
    return {key: redact(value) if isinstance(value, str) else value
            for key, value in event.items()}


def configure_logging(level: str = "info", *, json_lines: bool = True) -> None:
    """Route stdlib and structlog output to stderr as structured lines."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _redact_event, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _redact_event,
                    renderer],
        foreign_pre_chain=shared,
    ))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
