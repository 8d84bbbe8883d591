"""E-mail templates: Jinja2 in its sandbox, checked at save, bounded at render.

The sandbox refuses attribute access to internals (``__class__``, ``mro``, ``globals``,
any ``_private`` name, ``format`` of strings: an error here, not an empty string) and
``range`` beyond 100,000 items; on top of it we refuse ``*`` and ``**`` that would build
more than ``MAX_OUTPUT_CHARS`` or a huge number, cap the template's source and its
output, and autoescape nothing (the e-mails are plain text).
A name the data does not carry renders empty (also ``a.b`` of a missing ``a``). A render
may run at most ``MAX_STEPS`` Python line and call events (counted by a trace function on
the rendering thread): nested loops that would spin for minutes, even printing nothing,
stop there with a refusal instead of holding the producer's transaction.
A template that does not parse, or fails to render the sample data, is refused at save
with its line and the reason (``TemplateRefused``).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from printwarden.core.errors import ValidationError
from printwarden.notify.template_defaults import SAMPLE_DATA, SAMPLE_USER

MAX_SOURCE_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
MAX_OUTPUT_CHARS = 50_000
_MAX_NUMBER = 10**12
#: Line and call events one render may take (a default template takes a few hundred).
MAX_STEPS = 300_000


class _OutOfSteps(Exception):
    pass


class TemplateRefused(ValidationError):
    """A template that cannot be saved: ``field`` (subject or body), ``line``, reason."""

    def __init__(self, field: str, line: int | None, reason: str) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(f"{field}{where}: {reason}")
        self.field = field
        self.line = line
        self.reason = reason


class _BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """Reaching for an internal attribute is an error, not an empty string: the
        admin learns at save that the template does something it may not."""
        raise SecurityError(f"access to attribute {attribute!r} is not allowed")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if not all(isinstance(v, int | float) for v in (left, right)) or \
                    abs(right) > 64 or abs(left) > _MAX_NUMBER:
                raise SecurityError("the power is too large")
        elif operator == "*":
            sizes = [len(v) if isinstance(v, str | list | tuple) else None
                     for v in (left, right)]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if any(s is not None for s in sizes):
                size = next(s for s in sizes if s is not None)
                if counts and size * max(counts[0], 0) > MAX_OUTPUT_CHARS:
                    raise SecurityError("the repetition is too long")
            elif any(abs(v) > _MAX_NUMBER for v in (left, right)
                     if isinstance(v, int | float)):
                raise SecurityError("the number is too large")
        return super().call_binop(context, operator, left, right)


_ENV = _BoundedSandbox(autoescape=False, keep_trailing_newline=True,
                      undefined=ChainableUndefined)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def context_for(user: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    return {**dict(data), "data": dict(data), "user": dict(user)}


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> Any:
    """A template compiled once per source (compiling costs more than rendering)."""
    return _ENV.from_string(source)


def _compile(field: str, source: str, limit: int) -> Any:
    if len(source) > limit:
        raise TemplateRefused(field, None, f"longer than {limit} characters")
    try:
        return _compiled(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(field, exc.lineno, exc.message or "syntax error") from None


def _bounded_render(template: Any, context: Mapping[str, Any]) -> str:
    steps = 0

    def count(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            raise _OutOfSteps
        return count

    previous = sys.gettrace()
    sys.settrace(count)
    try:
        return str(template.render(context))
    finally:
        sys.settrace(previous)


def _render(field: str, template: Any, context: Mapping[str, Any]) -> str:
    try:
        text = _bounded_render(template, context)
    except _OutOfSteps:
        raise TemplateRefused(field, None, "it runs too long (loops too big)") from None
    except SecurityError as exc:
        raise TemplateRefused(field, None, f"refused by the sandbox: {exc}") from None
    except TemplateError as exc:
        raise TemplateRefused(field, getattr(exc, "lineno", None), str(exc)) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        raise TemplateRefused(field, None, f"{type(exc).__name__}: {exc}") from None
    return text[:MAX_OUTPUT_CHARS]


def render(subject: str, body: str, context: Mapping[str, Any]) -> Rendered:
    """Render a template pair; raises ``TemplateRefused`` (never anything else)."""
    subject_text = _render("subject", _compile("subject", subject, MAX_SUBJECT_CHARS), context)
    body_text = _render("body", _compile("body", body, MAX_SOURCE_CHARS), context)
    one_line = " ".join(subject_text.split())[:MAX_SUBJECT_CHARS]
    return Rendered(subject=one_line, body=body_text)


def check(kind: str, subject: str, body: str) -> Rendered:
    """What a save runs: the pair parses and renders the kind's sample data."""
    if not subject.strip():
        raise TemplateRefused("subject", None, "a subject is required")
    return render(subject, body, context_for(SAMPLE_USER, SAMPLE_DATA.get(kind, {})))
