"""Queues the agent serves: local settings merged with the server's configuration, and
the live state each one shows to IPP clients (printer-state, -reasons, -message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from printwarden.agent.settings import QueueSettings

IDLE, PROCESSING, STOPPED = 3, 4, 5  # IPP printer-state (RFC 8011 5.4.12)


@dataclass(frozen=True)
class QueueConfig:
    name: str
    device_uri: str = ""
    hold_for_release: bool = False
    failure_policy: str = "refuse"
    lines_per_page: int = 60
    from_server: bool = False
    advertise: bool = True
    require_auth: bool = False
    description: str = ""
    location: str = ""


@dataclass(frozen=True)
class QueueStatus:
    """What the IPP layer shows for a queue."""

    printer_state: int
    printer_state_reasons: tuple[str, ...]
    printer_state_message: str
    is_accepting_jobs: bool


def merge_queues(local: Iterable[QueueSettings],
                 pushed: Iterable[Mapping[str, Any]]) -> dict[str, QueueConfig]:
    """Local queues, overridden field by field by the server's queue of the same name."""
    merged = {q.name: QueueConfig(name=q.name, device_uri=q.device_uri,
                                  hold_for_release=q.hold_for_release,
                                  failure_policy=q.failure_policy,
                                  lines_per_page=q.lines_per_page, advertise=q.advertise,
                                  require_auth=q.require_auth, description=q.description,
                                  location=q.location) for q in local}
    for item in pushed:
        name = str(item["name"])
        base = merged.get(name, QueueConfig(name=name))
        merged[name] = QueueConfig(
            name=name, device_uri=str(item.get("device_uri") or base.device_uri),
            hold_for_release=bool(item.get("hold_for_release", base.hold_for_release)),
            failure_policy=str(item.get("failure_policy") or base.failure_policy),
            lines_per_page=base.lines_per_page, from_server=True,
            advertise=bool(item.get("advertise", base.advertise)),
            # either side may ask for authentication; neither can drop the other's demand
            require_auth=base.require_auth or bool(item.get("require_auth", False)),
            description=str(item.get("description") or base.description),
            location=str(item.get("location") or base.location))
    return merged


@dataclass
class QueueActivity:
    """Mutable live state of one queue, fed by the pipeline and the forwarders."""

    busy: bool = False
    device_reasons: set[str] = field(default_factory=set)
    message: str = ""


def queue_status(config: QueueConfig, activity: QueueActivity, *, server_reachable: bool,
                 disk_ok: bool) -> QueueStatus:
    reasons = set(activity.device_reasons)
    accepting = True
    message = activity.message
    if not server_reachable:
        reasons.add("server-unreachable")
        if config.failure_policy == "refuse":
            accepting = False
            message = "no printwarden server answers: the queue is out of service"
        else:
            message = "no printwarden server answers: jobs are kept until one does"
    if not disk_ok:
        reasons.add("spool-area-full")
        accepting = False
        message = "the spool disk is full"
    if not config.device_uri:
        reasons.add("other-error")
        message = message or "the queue has no device configured"
    state = PROCESSING if activity.busy else IDLE
    if not accepting:
        state = STOPPED
    return QueueStatus(printer_state=state,
                       printer_state_reasons=tuple(sorted(reasons)) or ("none",),
                       printer_state_message=message, is_accepting_jobs=accepting)
