"""Queues (what users print to) and release groups (the devices a release queue's jobs
may be released at). Pure values and validation; no I/O.

Invariants ``check_queue`` keeps:

- a **direct** queue prints to one device: ``device_id`` set, no release group;
- a **release** queue holds its jobs until their owner releases them at a device of its
  release group: ``release_group_id`` set, no device; ``hold_for_release`` is its kind,
  not a setting;
- owner check ``release`` (the job belongs to whoever releases it) only on release
  queues: a direct queue prints before anyone could release it.

``agent_id`` is the agent that hosts the queue: its IPP endpoint, its spool, its journal.
A direct queue is hosted by the agent that serves its device (the service keeps them
together). A release queue's devices may be served by other agents: a job is held where
it was received, and releasing it at another agent's device is find-me (a later part).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from printwarden.core.errors import ValidationError
from printwarden.devices.device_model import Device, check_name

QUEUE_KINDS = ("direct", "release")
#: What a queue's agent does while no server answers: ``refuse`` jobs (out of service),
#: ``hold`` them until a server answers, or ``tracker``: print them at once, priced from
#: the last price list the agent received, journaled and reported once a server answers.
FAILURE_POLICIES = ("refuse", "hold", "tracker")
#: Tracker queues: whether the jobs printed offline are ``charge``d when reported, or
#: only ``log``ged (recorded with their cost, charged 0).
OFFLINE_CHARGINGS = ("charge", "log")
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
TRUSTED_NETWORK_WARNING = ("this queue believes requesting-user-name: anyone who can reach "
                           "it can print as, and charge, any user")
DEFAULT_JOB_LIFETIME_SECONDS = 24 * 3600
#: How long a held job waits for release by default (release queues).
DEFAULT_HELD_JOB_LIFETIME_SECONDS = 8 * 3600
MIN_JOB_LIFETIME_SECONDS = 60
MAX_JOB_LIFETIME_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class Queue:
    """A print queue hosted by an agent: direct (one device) or release (a group)."""

    id: str
    name: str
    created_at: datetime
    kind: str = "direct"
    device_id: str | None = None
    release_group_id: str | None = None
    agent_id: str | None = None
    description: str = ""
    failure_policy: str = "refuse"
    enabled: bool = True
    owner_check: str = "authenticate"
    document_policy: str = "rewrite"
    job_lifetime_seconds: int = DEFAULT_JOB_LIFETIME_SECONDS
    """How long a job may wait (for its device, for a server) before it is given up."""
    lost_job_charge: str = "as-sent"
    held_job_lifetime_seconds: int = DEFAULT_HELD_JOB_LIFETIME_SECONDS
    """Release queues: how long a held job waits for release before it expires."""
    offline_charging: str = "charge"
    """Tracker queues: jobs printed while no server answered are charged, or only logged."""

    @property
    def hold_for_release(self) -> bool:
        """A release queue's jobs wait for their owner at a device; a direct queue's print."""
        return self.kind == "release"

    @property
    def ipp_path(self) -> str:
        """The path of the queue's IPP URI: ``ipp://HOST:PORT/ipp/print/NAME``."""
        return f"/ipp/print/{self.name}"


@dataclass(frozen=True)
class ServedQueue:
    """A queue as the agent hosting it serves it (its pushed configuration).

    ``devices``: a direct queue's device; for a release queue, the enabled devices of its
    release group that the same agent serves (the others are reached by find-me)."""

    queue: Queue
    devices: tuple[Device, ...]

    @property
    def single_device(self) -> Device | None:
        """The one device a job of this queue goes to today, if there is exactly one."""
        return self.devices[0] if len(self.devices) == 1 else None


#: Queue fields an admin may change after creation.
EDITABLE_QUEUE_FIELDS = frozenset(
    f.name for f in fields(Queue) if f.name not in ("id", "created_at")
)


@dataclass(frozen=True)
class ReleaseGroup:
    """Devices a release queue's jobs may be released at (``device_ids``, by name)."""

    id: str
    name: str
    created_at: datetime
    description: str = ""
    device_ids: tuple[str, ...] = ()


EDITABLE_RELEASE_GROUP_FIELDS = frozenset(("name", "description"))


def check_failure_policy(policy: str) -> str:
    return one_of("failure policy", policy, FAILURE_POLICIES)


def one_of(what: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValidationError(f"unknown {what} {value!r}: use " + ", ".join(
            repr(item) for item in allowed))
    return value


def check_queue(queue: Queue) -> Queue:
    check_name(queue.name)
    one_of("queue kind", queue.kind, QUEUE_KINDS)
    check_failure_policy(queue.failure_policy)
    one_of("owner check", queue.owner_check, OWNER_CHECKS)
    one_of("document policy", queue.document_policy, DOCUMENT_POLICIES)
    one_of("lost-job charge", queue.lost_job_charge, LOST_JOB_CHARGES)
    one_of("offline charging", queue.offline_charging, OFFLINE_CHARGINGS)
    if not isinstance(queue.description, str) or len(queue.description) > 500:
        raise ValidationError("description must be text of at most 500 characters")
    if queue.kind == "direct":
        if not queue.device_id:
            raise ValidationError("a direct queue prints to one device: give its device_id")
        if queue.release_group_id:
            raise ValidationError("a direct queue has no release group (release_group_id): "
                                  "make it a release queue (kind 'release') instead")
    else:
        if not queue.release_group_id:
            raise ValidationError("a release queue needs the release group its jobs are "
                                  "released at: give its release_group_id")
        if queue.device_id:
            raise ValidationError("a release queue has no device of its own (device_id): "
                                  "its jobs print at a device of its release group")
    if queue.owner_check == "release" and queue.kind != "release":
        raise ValidationError("owner check 'release' needs a release queue (kind "
                              "'release'): a direct queue prints before anyone releases it")
    lifetime = queue.job_lifetime_seconds
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not (
            MIN_JOB_LIFETIME_SECONDS <= lifetime <= MAX_JOB_LIFETIME_SECONDS):
        raise ValidationError("job_lifetime_seconds must be between 60 (a minute) and "
                              "2592000 (30 days)")
    held = queue.held_job_lifetime_seconds
    if isinstance(held, bool) or not isinstance(held, int) or not (
            MIN_JOB_LIFETIME_SECONDS <= held <= MAX_JOB_LIFETIME_SECONDS):
        raise ValidationError("held_job_lifetime_seconds must be between 60 (a minute) and "
                              "2592000 (30 days)")
    return queue


def changed_queue(queue: Queue, changes: Mapping[str, Any]) -> Queue:
    """``queue`` with ``changes`` applied and validated; unknown fields are refused.

    Changing the kind drops the other kind's target unless the change names it: a
    direct queue made a release queue loses its device_id, and the reverse."""
    unknown = set(changes) - EDITABLE_QUEUE_FIELDS
    if unknown:
        raise ValidationError(f"cannot change queue field(s): {', '.join(sorted(unknown))}")
    values = dict(changes)
    if values.get("kind") == "release" and queue.kind == "direct":
        values.setdefault("device_id", None)
    if values.get("kind") == "direct" and queue.kind == "release":
        values.setdefault("release_group_id", None)
    return check_queue(replace(queue, **values))


def check_release_group(group: ReleaseGroup) -> ReleaseGroup:
    if not isinstance(group.name, str) or not group.name.strip() or len(group.name) > 100:
        raise ValidationError("a release group needs a name of 1 to 100 characters")
    if not isinstance(group.description, str) or len(group.description) > 500:
        raise ValidationError("description must be text of at most 500 characters")
    return group


def changed_release_group(group: ReleaseGroup, changes: Mapping[str, Any]) -> ReleaseGroup:
    unknown = set(changes) - EDITABLE_RELEASE_GROUP_FIELDS
    if unknown:
        raise ValidationError("cannot change release group field(s): "
                              + ", ".join(sorted(unknown)))
    return check_release_group(replace(group, **dict(changes)))
