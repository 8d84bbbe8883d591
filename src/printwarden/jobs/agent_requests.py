"""What every agent request about a job does first: find the agent's queue, and run the
request's one write transaction so that a concurrent duplicate answers the winner's
result (authorize, the tracker reports)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import NotFoundError, PermissionDenied
from printwarden.core.principal import Principal
from printwarden.db.engine import Database
from printwarden.jobs.ports import Devices, QueueView

T = TypeVar("T")


def agent_queue_in(conn: Connection, devices: Devices, agent: Principal,
                   name: str) -> QueueView:
    """The queue ``name`` of ``agent``: NotFoundError if unknown, PermissionDenied if it
    is another agent's."""
    queue = devices.find_queue_by_name_in(conn, name)
    if queue is None:
        raise NotFoundError(f"no queue named {name!r}")
    if queue.agent_id != agent.id:
        raise PermissionDenied(f"queue {name!r} is not served by agent {agent.name!r}")
    return queue


def write_once_per_key(db: Database, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in a write transaction; when it lost a race on a job's UNIQUE
    (agent, agent_job_key), run it again: it then finds the winner's job and answers it."""
    try:
        return db.write(work)
    except IntegrityError:
        return db.write(work)
