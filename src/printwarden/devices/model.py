"""Devices domain: agents, enrolment codes, printers (queues), printer groups, agent events.

Pure values and validation; no I/O. Secrets (tokens, codes) are made in ``credentials``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol

from printwarden.core.errors import ValidationError

AGENT_STATUSES = ("active", "revoked")
FAILURE_POLICIES = ("refuse", "hold")
#: How a queue establishes who owns (and pays for) a job:
#: ``authenticate``: IPP authentication (HTTP Basic, checked at the server) on every job;
#: ``release``: the job is held and belongs to whoever releases it at a device (release
#: queues only); ``trusted-network``: ``requesting-user-name`` is believed (an audited
#: opt-in for networks where every client is trusted).
OWNER_CHECKS = ("authenticate", "release", "trusted-network")
#: What a queue does with a document whose page count is only estimated: ``rewrite`` it to
#: the pages counted (refusing it when that fails), or ``refuse`` it.
DOCUMENT_POLICIES = ("rewrite", "refuse")
#: How a job is charged when its device lost it after accepting it (a printer restart)
#: without saying how much it printed: ``as-sent`` (pages x copies sent), or ``flag``
#: (nothing is charged; the job is flagged for an operator).
LOST_JOB_CHARGES = ("as-sent", "flag")
DEFAULT_JOB_LIFETIME_SECONDS = 24 * 3600
DEFAULT_HELD_JOB_LIFETIME_SECONDS = 8 * 3600
#: Reserved for a later issue: print now, journal, report later.
FUTURE_FAILURE_POLICIES = ("tracker",)
EVENT_KINDS = ("release", "cancel", "expire", "config")
DEVICE_URI_SCHEMES = ("ipp", "ipps", "http", "https", "socket", "lpd", "usb", "cups", "file")

PRINTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


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
    id: str
    name: str
    price_list_id: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Printer:
    """A print queue served by an agent and forwarded to one downstream device."""

    id: str
    name: str
    created_at: datetime
    agent_id: str | None = None
    group_id: str | None = None
    price_list_id: str | None = None
    location: str = ""
    description: str = ""
    hold_for_release: bool = False
    failure_policy: str = "refuse"
    device_uri: str = ""
    color_capable: bool = True
    duplex_capable: bool = True
    enabled: bool = True
    owner_check: str = "authenticate"
    document_policy: str = "rewrite"
    job_lifetime_seconds: int = DEFAULT_JOB_LIFETIME_SECONDS
    """How long a job may wait (for its device, for a server) before it is given up."""
    lost_job_charge: str = "as-sent"
    held_job_lifetime_seconds: int = DEFAULT_HELD_JOB_LIFETIME_SECONDS
    """How long a held job waits for release before it expires (release queues)."""

    @property
    def ipp_path(self) -> str:
        """The path of the queue's IPP URI: ``ipp://HOST:PORT/ipp/print/NAME``."""
        return f"/ipp/print/{self.name}"


#: Printer fields an admin may change after creation.
EDITABLE_PRINTER_FIELDS = frozenset(
    f.name for f in fields(Printer) if f.name not in ("id", "created_at")
)
EDITABLE_GROUP_FIELDS = frozenset(("name", "price_list_id", "description"))


@dataclass(frozen=True)
class AgentEvent:
    """Something an agent must act on; delivered at least once, in id order."""

    id: str
    agent_id: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


class PricedQueue(Protocol):
    """What finding a queue's price list reads of it (a ``Printer`` or a view of one)."""

    @property
    def price_list_id(self) -> str | None: ...
    @property
    def group_id(self) -> str | None: ...


def check_printer_name(name: str) -> str:
    if not PRINTER_NAME.fullmatch(name):
        raise ValidationError(
            f"invalid queue name {name!r}: use 1 to 64 letters, digits, '_' or '-' "
            "(it becomes part of the IPP URI)"
        )
    return name


def check_failure_policy(policy: str) -> str:
    if policy in FUTURE_FAILURE_POLICIES:
        raise ValidationError(
            f"failure policy {policy!r} is not available yet: use 'refuse' or 'hold'"
        )
    if policy not in FAILURE_POLICIES:
        raise ValidationError(f"unknown failure policy {policy!r}: use 'refuse' or 'hold'")
    return policy


def check_device_uri(uri: str) -> str:
    """Empty (not configured yet) or ``scheme://...`` with a scheme we can forward to."""
    if not uri:
        return uri
    scheme, sep, rest = uri.partition("://")
    if not sep or not rest or scheme.lower() not in DEVICE_URI_SCHEMES:
        raise ValidationError(
            f"invalid device URI {uri!r}: expected scheme://address with a scheme among "
            + ", ".join(DEVICE_URI_SCHEMES)
        )
    return uri


def _one_of(what: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValidationError(f"unknown {what} {value!r}: use " + ", ".join(
            repr(item) for item in allowed))
    return value


def check_printer(printer: Printer) -> Printer:
    check_printer_name(printer.name)
    check_failure_policy(printer.failure_policy)
    check_device_uri(printer.device_uri)
    _one_of("owner check", printer.owner_check, OWNER_CHECKS)
    _one_of("document policy", printer.document_policy, DOCUMENT_POLICIES)
    _one_of("lost-job charge", printer.lost_job_charge, LOST_JOB_CHARGES)
    if printer.owner_check == "release" and not printer.hold_for_release:
        raise ValidationError("owner check 'release' needs a release queue "
                              "(hold_for_release): a direct queue prints before anyone "
                              "releases it")
    if not 60 <= printer.job_lifetime_seconds <= 30 * 24 * 3600:
        raise ValidationError("job_lifetime_seconds must be between 60 (a minute) and "
                              "2592000 (30 days)")
    if not 60 <= printer.held_job_lifetime_seconds <= 30 * 24 * 3600:
        raise ValidationError("held_job_lifetime_seconds must be between 60 (a minute) and "
                              "2592000 (30 days)")
    return printer


def changed_printer(printer: Printer, changes: Mapping[str, Any]) -> Printer:
    """``printer`` with ``changes`` applied and validated; unknown fields are refused."""
    unknown = set(changes) - EDITABLE_PRINTER_FIELDS
    if unknown:
        raise ValidationError(f"cannot change printer field(s): {', '.join(sorted(unknown))}")
    return check_printer(replace(printer, **dict(changes)))


def changed_group(group: PrinterGroup, changes: Mapping[str, Any]) -> PrinterGroup:
    unknown = set(changes) - EDITABLE_GROUP_FIELDS
    if unknown:
        raise ValidationError(f"cannot change group field(s): {', '.join(sorted(unknown))}")
    return check_group(replace(group, **dict(changes)))


def check_group(group: PrinterGroup) -> PrinterGroup:
    if not group.name.strip() or len(group.name) > 100:
        raise ValidationError("a printer group needs a name of 1 to 100 characters")
    return group


def effective_price_list(printer: PricedQueue, group: PrinterGroup | None) -> str | None:
    """The printer's own list, else its group's; ``None`` means the default list."""
    if printer.price_list_id:
        return printer.price_list_id
    if group is not None and group.price_list_id:
        return group.price_list_id
    return None


def check_event_kind(kind: str) -> str:
    if kind not in EVENT_KINDS:
        raise ValidationError(f"unknown agent event kind {kind!r}")
    return kind
