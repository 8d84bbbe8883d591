"""What the release context needs of the devices context (wired by the server's root)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from printwarden.jobs.ports import QueueView
from printwarden.release.held_jobs import ReleaseTarget


class HeldQueue(Protocol):
    """The queue of a held job, as release reads it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def held_job_lifetime_seconds(self) -> int: ...


class HoldingAgent(Protocol):
    """An agent as find-me reads it: is it there to hand a job over?"""

    @property
    def name(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def last_seen_at(self) -> datetime | None: ...


class ReleaseDevices(Protocol):
    def get_agent_in(self, conn: Connection, agent_id: str) -> HoldingAgent: ...

    def get_queue_in(self, conn: Connection, queue_id: str) -> HeldQueue: ...

    def find_queue_by_name_in(self, conn: Connection, name: str) -> QueueView | None: ...

    def release_targets_in(self, conn: Connection,
                           queue_id: str) -> Sequence[ReleaseTarget]:
        """The devices a held job of ``queue_id`` may be released to (its release group)."""
        ...

    def price_list_for_device_in(self, conn: Connection,
                                 device: ReleaseTarget) -> str | None: ...

    def device_in(self, conn: Connection, device_id: str) -> ReleaseTarget:
        """The device, whatever queue it serves (``NotFoundError`` if there is none)."""
        ...

    def append_event_in(self, conn: Connection, agent_id: str | None, kind: str,
                        payload: dict[str, Any]) -> object: ...

    def release_refusal_in(self, conn: Connection, device_id: str,
                           device_name: str) -> str | None:
        """Why a release to the device must wait (its last known status is stopped)."""
        ...
