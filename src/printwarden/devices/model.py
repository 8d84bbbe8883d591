"""Devices domain: agents, enrolment codes, pricing groups, agent events.

Devices live in ``device_model``, queues and release groups in ``queue_model``. Pure
values and validation; no I/O. Secrets (tokens, codes) are made in ``credentials``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from printwarden.core.errors import ValidationError

AGENT_STATUSES = ("active", "revoked")
EVENT_KINDS = ("release", "cancel", "expire", "config", "fetch", "move")


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    hostname: str
    version: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class EnrolmentCode:
    """A one-time code an agent exchanges for its token; the code itself is stored hashed."""

    id: str
    created_at: datetime
    expires_at: datetime
    created_by: str
    used_at: datetime | None = None
    used_by_agent_id: str | None = None
    #: The existing agent this code re-enrols (rotates the token of); None: new names only.
    for_agent_id: str | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class PrinterGroup:
    """A pricing group of devices: a device without a price list of its own uses the
    group's (``effective_price_list``)."""

    id: str
    name: str
    price_list_id: str | None = None
    description: str = ""


EDITABLE_GROUP_FIELDS = frozenset(("name", "price_list_id", "description"))


@dataclass(frozen=True)
class AgentEvent:
    """Something an agent must act on; delivered at least once, in id order."""

    id: str
    agent_id: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


class PricedDevice(Protocol):
    """What finding a device's price list reads of it (a ``Device`` or a view of one)."""

    @property
    def price_list_id(self) -> str | None: ...
    @property
    def group_id(self) -> str | None: ...


def changed_group(group: PrinterGroup, changes: Mapping[str, Any]) -> PrinterGroup:
    unknown = set(changes) - EDITABLE_GROUP_FIELDS
    if unknown:
        raise ValidationError(f"cannot change group field(s): {', '.join(sorted(unknown))}")
    return check_group(replace(group, **dict(changes)))


def check_group(group: PrinterGroup) -> PrinterGroup:
    if not group.name.strip() or len(group.name) > 100:
        raise ValidationError("a printer group needs a name of 1 to 100 characters")
    return group


def effective_price_list(device: PricedDevice, group: PrinterGroup | None) -> str | None:
    """The device's own list, else its pricing group's; ``None`` means the default list."""
    if device.price_list_id:
        return device.price_list_id
    if group is not None and group.price_list_id:
        return group.price_list_id
    return None


def check_event_kind(kind: str) -> str:
    if kind not in EVENT_KINDS:
        raise ValidationError(f"unknown agent event kind {kind!r}")
    return kind
