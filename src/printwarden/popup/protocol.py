"""The pop-up protocol as values (``docs/protocols/popup.md``): server messages parsed into
dataclasses, client messages built, the reconnect back-off. No I/O: the channel and the
windows use these, and the tests drive them directly.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Close codes with a meaning for the client (RFC 6455 and the protocol's own).
CLOSE_POLICY_VIOLATION = 1008  # token refused or revoked: sign in again, do not retry
CLOSE_TOO_BIG = 1009
CLOSE_SERVICE_RESTART = 1012  # the server is stopping: reconnect (soon)
CLOSE_BAD_REQUEST = 4400  # the cursor was refused: reconnect without it
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
_RNG = random.Random()


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    cost_minor: int | None = None


@dataclass(frozen=True)
class Question:
    id: str
    job_id: str
    kind: str
    text: str
    title: str
    options: tuple[Option, ...]
    default: str
    deadline: datetime
    currency: str = ""
    cost_minor: int | None = None
    balance_minor: int | None = None
    rule: str = ""

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def keys_index(self, key: str) -> int:
        """The position of option ``key`` (0 when absent)."""
        return next((n for n, o in enumerate(self.options) if o.key == key), 0)

    @property
    def default_label(self) -> str:
        found = self.option(self.default)
        return found.label if found else self.default


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


class ProtocolError(ValueError):
    """A server message this client cannot read (logged and skipped)."""


def parse(text: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("a message is a JSON object with a type")
    return message


def question_of(body: dict[str, Any]) -> Question:
    try:
        deadline = datetime.fromisoformat(str(body["deadline"]).replace("Z", "+00:00"))
        return Question(
            id=str(body["id"]), job_id=str(body["job_id"]), kind=str(body["kind"]),
            text=str(body["text"]), title=str(body.get("title", "")),
            options=tuple(Option(str(o["key"]), str(o["label"]), _int(o.get("cost_minor")))
                          for o in body["options"]),
            default=str(body["default"]),
            deadline=deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC),
            currency=str(body.get("currency", "")), cost_minor=_int(body.get("cost_minor")),
            balance_minor=_int(body.get("balance_minor")), rule=str(body.get("rule", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad question: {exc}") from exc


def notice_of(body: dict[str, Any]) -> Notice:
    try:
        data = body.get("data")
        return Notice(id=int(body["id"]), kind=str(body["kind"]), text=str(body["text"]),
                      data=dict(data) if isinstance(data, dict) else {})
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"bad notice: {exc}") from exc


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def answer(question_id: str, choice: str) -> str:
    return json.dumps({"type": "answer", "question_id": question_id, "choice": choice})


def ping() -> str:
    return json.dumps({"type": "ping"})


def money(minor: int | None, currency: str) -> str:
    """``1234, "EUR"`` -> ``"12.34 EUR"`` (two decimals: what the server's currencies use)."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d} {currency}".strip()


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before reconnect ``attempt`` (0 = the first retry): exponential from
    ``BACKOFF_BASE_SECONDS``, capped at ``BACKOFF_CAP_SECONDS``, with "equal jitter" (half
    fixed, half random), so a server restart is not met by every pop-up at the same
    instant."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * float(1 << min(max(attempt, 0), 16)))
    jitter: float = (rng or _RNG).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


def remaining_seconds(deadline: datetime, now: datetime, skew_seconds: float = 0.0) -> int:
    """Whole seconds left until ``deadline`` by the server's clock (``now`` is the local
    clock, ``skew_seconds`` what the server's clock is ahead of it), never negative."""
    return max(0, int((deadline - now).total_seconds() - skew_seconds))
