"""Queues the agent serves: local settings merged with the server's configuration, and
the live state each one shows to IPP clients (printer-state, -reasons, -message).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from printwarden.agent.forwarding.interface import DeviceAlert, DeviceStatus, DeviceSupply
from printwarden.agent.settings import QueueSettings

log = logging.getLogger(__name__)
IDLE, PROCESSING, STOPPED = 3, 4, 5  # IPP printer-state (RFC 8011 5.4.12)
#: Owner checks from the most to the least demanding.
OWNER_CHECKS = ("authenticate", "release", "trusted-network")


@dataclass(frozen=True)
class DeviceSnmp:
    """How the device monitor reads a device over SNMP (the host is the device URI's).
    The community is a password sent in clear: it is kept out of ``repr`` and logs."""

    port: int = 161
    version: str = "2c"
    community: str = field(default="public", repr=False)


@dataclass(frozen=True)
class QueueDevice:
    """A device the server says this queue's jobs go to (``id``/``name`` as the server
    knows them; empty for a device named only in agent.toml). ``snmp`` is None when the
    device is not read over SNMP."""

    uri: str
    id: str = ""
    name: str = ""
    color_capable: bool = True
    duplex_capable: bool = True
    snmp: DeviceSnmp | None = None


@dataclass(frozen=True)
class QueueConfig:
    """``device_uri`` is where a job is forwarded: a direct queue's device, a release
    queue's when exactly one device of its group is served here (a choice among several
    comes with release at a device). ``devices`` lists them all."""

    name: str
    device_uri: str = ""
    hold_for_release: bool = False
    failure_policy: str = "refuse"
    lines_per_page: int = 60
    from_server: bool = False
    advertise: bool = True
    owner_check: str = "authenticate"
    description: str = ""
    location: str = ""
    document_policy: str = "rewrite"
    job_lifetime_seconds: int = 24 * 3600
    lost_job_charge: str = "as-sent"
    kind: str = "direct"
    devices: tuple[QueueDevice, ...] = ()

    @property
    def require_auth(self) -> bool:
        """IPP requests need credentials: the authenticated user owns the job. A queue that
        names its owner at release but does not hold its jobs authenticates too (fail-safe)."""
        return self.owner_check == "authenticate" or (
            self.owner_check == "release" and not self.hold_for_release)


@dataclass(frozen=True)
class QueueStatus:
    """What the IPP layer shows for a queue; ``supplies``/``alerts`` are the device's, as
    last reported (empty when it reports none, or has not been asked yet)."""

    printer_state: int
    printer_state_reasons: tuple[str, ...]
    printer_state_message: str
    is_accepting_jobs: bool
    supplies: tuple[DeviceSupply, ...] = ()
    alerts: tuple[DeviceAlert, ...] = ()


def pushed_devices(item: Mapping[str, Any]) -> tuple[QueueDevice, ...]:
    """The devices of a pushed queue: ``device`` (direct) or ``devices`` (release); a
    server that predates them sent only ``device_uri``."""
    found = [item["device"]] if item.get("device") else list(item.get("devices") or [])
    if not found and item.get("device_uri"):
        found = [{"uri": item["device_uri"]}]
    return tuple(QueueDevice(uri=str(d.get("uri") or ""), id=str(d.get("id") or ""),
                             name=str(d.get("name") or ""),
                             color_capable=bool(d.get("color_capable", True)),
                             duplex_capable=bool(d.get("duplex_capable", True)),
                             snmp=pushed_snmp(d.get("snmp")))
                 for d in found if isinstance(d, Mapping))


def pushed_snmp(item: object) -> DeviceSnmp | None:
    """A device's SNMP settings as the server pushed them; None when it sent none, or
    settings this agent cannot use (then the device is polled over IPP only)."""
    if not isinstance(item, Mapping):
        return None
    port, community = item.get("port", 161), item.get("community")
    version = str(item.get("version") or "2c")
    if type(port) is not int or not 1 <= port <= 65535 or not isinstance(community, str) \
            or not community or version != "2c":
        log.warning("SNMP settings of a device are not usable (port %s, version %s): it is "
                    "polled without SNMP", repr(port)[:20], repr(version)[:20])
        return None
    return DeviceSnmp(port=port, version=version, community=community)


def _target_uri(devices: tuple[QueueDevice, ...], flat: str) -> str:
    """Where jobs go: the one device, else what the server put in ``device_uri``."""
    return devices[0].uri if len(devices) == 1 else flat


def merge_queues(local: Iterable[QueueSettings],
                 pushed: Iterable[Mapping[str, Any]]) -> dict[str, QueueConfig]:
    """Local queues, overridden field by field by the server's queue of the same name."""
    merged = {q.name: QueueConfig(name=q.name, device_uri=q.device_uri,
                                  kind="release" if q.hold_for_release else "direct",
                                  devices=(QueueDevice(uri=q.device_uri),) if q.device_uri
                                  else (),
                                  hold_for_release=q.hold_for_release,
                                  failure_policy=q.failure_policy,
                                  lines_per_page=q.lines_per_page, advertise=q.advertise,
                                  owner_check=q.owner_check, description=q.description,
                                  location=q.location, document_policy=q.document_policy,
                                  job_lifetime_seconds=q.job_lifetime_seconds,
                                  lost_job_charge=q.lost_job_charge) for q in local}
    for item in pushed:
        name = str(item["name"])
        local_queue = merged.get(name)
        base = local_queue or QueueConfig(name=name)
        owner_check = str(item.get("owner_check") or base.owner_check)
        if local_queue is not None:  # neither side can drop the other's demand
            owner_check = stricter(owner_check, local_queue.owner_check)
        hold = bool(item.get("hold_for_release", base.hold_for_release))
        devices = pushed_devices(item) or base.devices
        merged[name] = QueueConfig(
            name=name,
            device_uri=_target_uri(devices, str(item.get("device_uri") or "")) or base.device_uri,
            hold_for_release=hold,
            kind=str(item.get("kind") or ("release" if hold else "direct")), devices=devices,
            failure_policy=str(item.get("failure_policy") or base.failure_policy),
            lines_per_page=base.lines_per_page, from_server=True,
            advertise=bool(item.get("advertise", base.advertise)),
            owner_check=owner_check,
            description=str(item.get("description") or base.description),
            location=str(item.get("location") or base.location),
            document_policy=str(item.get("document_policy") or base.document_policy),
            job_lifetime_seconds=int(item.get("job_lifetime_seconds")
                                     or base.job_lifetime_seconds),
            lost_job_charge=str(item.get("lost_job_charge") or base.lost_job_charge))
    return merged


def stricter(one: str, other: str) -> str:
    """The more demanding of two owner checks (unknown values count as the strictest)."""
    def rank(check: str) -> int:
        return OWNER_CHECKS.index(check) if check in OWNER_CHECKS else -1
    return one if rank(one) <= rank(other) else other


@dataclass
class QueueActivity:
    """Mutable live state of one queue, fed by the pipeline and the forwarders.

    ``paused``: an operator paused the queue (IPP Pause-Printer, Shutdown-Printer): the
    pipeline sends no further job to the device until it is resumed. ``device_status``:
    the last ``Forwarder.status()`` of the queue's device (the device monitor's)."""

    busy: bool = False
    device_reasons: set[str] = field(default_factory=set)
    message: str = ""
    #: Since when the queue's device does not answer (None: it answers), and why.
    offline_since: datetime | None = None
    offline_detail: str = ""
    paused: bool = False
    device_status: DeviceStatus | None = None

    def device_down(self, queue: str, now: datetime, detail: str) -> None:
        """The device did not take a job: the queue shows it, the log says it once."""
        if self.offline_since is None:
            self.offline_since = now
            log.warning("queue %s: the printer is not answering (%s); its jobs wait for it",
                        queue, detail)
        self.offline_detail = detail

    def device_up(self, queue: str) -> None:
        """The device answered again."""
        if self.offline_since is not None:
            log.warning("queue %s: the printer answers again (it was not answering since "
                        "%s)", queue, _clock_time(self.offline_since))
        self.offline_since = None
        self.offline_detail = ""


def _clock_time(moment: datetime) -> str:
    """``10:42``: the time of day on the agent's clock (its local time zone)."""
    return moment.astimezone().strftime("%H:%M")


def queue_status(config: QueueConfig, activity: QueueActivity, *, server_reachable: bool,
                 disk_ok: bool, revoked: str | None = None) -> QueueStatus:
    reasons = set(activity.device_reasons)
    accepting = True
    message = activity.message
    if not server_reachable:
        reasons.add("server-unreachable")
        if config.failure_policy == "refuse":
            accepting = False
            message = "no printwarden server answers: the queue is out of service"
        elif config.failure_policy == "tracker":
            message = "no printwarden server answers: jobs print now and are reported later"
        else:
            message = "no printwarden server answers: jobs are kept until one does"
    if not disk_ok:
        reasons.add("spool-area-full")
        accepting = False
        message = "the spool disk is full"
    if not config.device_uri and not config.devices:
        reasons.add("other-error")
        message = message or "the queue has no device configured"
    state = PROCESSING if activity.busy else IDLE
    if activity.offline_since is not None:
        reasons.add("offline-report")
        state = STOPPED
        message = (f"printer not answering since {_clock_time(activity.offline_since)}: "
                   f"{activity.offline_detail}")[:255]
    if revoked is not None:
        reasons.add("other-error")
        accepting = False
        message = revoked
    if not accepting:
        state = STOPPED
    device = activity.device_status
    return QueueStatus(printer_state=state,
                       printer_state_reasons=tuple(sorted(reasons)) or ("none",),
                       printer_state_message=message, is_accepting_jobs=accepting,
                       supplies=device.supplies if device is not None else (),
                       alerts=device.alerts if device is not None else ())
