"""Warn the owner of a held job before it expires (``job.held_expiring``: pop-up, e-mail,
webhooks), once per job.

The scheduler runs ``warn_due`` each tick. A job is due a warning once the notification
settings' lead time (``expiry_warning_minutes``; 0 turns warnings off) before it expires
has begun and it has not expired yet; the once-key ``job.held_expiring:JOB`` makes a
second tick (or a second server) say nothing again. Only jobs held for release are
warned (a job waiting for a question or an approval is not the user's to release).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.db.engine import Database
from printwarden.jobs import store
from printwarden.jobs.model import JobState
from printwarden.notify.notifier import Notifier
from printwarden.notify.store import load_settings
from printwarden.release.held_jobs import expires_at
from printwarden.release.ports import ReleaseDevices

#: Held jobs looked at per tick, the longest unmoved first (those expire first).
SWEEP_LIMIT = 2000


class ExpiryWarnings:
    def __init__(self, db: Database, clock: Clock, *, devices: ReleaseDevices,
                 notifier: Notifier) -> None:
        self._db = db
        self._clock = clock
        self._devices = devices
        self._notifier = notifier

    def warn_due(self) -> int:
        """Warn every held job now inside its warning window; answers how many."""
        now = self._clock.now()

        def write(conn: Connection) -> int:
            lead = timedelta(minutes=load_settings(conn).expiry_warning_minutes)
            if not lead:
                return 0
            warned = 0
            names: dict[str, tuple[str, int]] = {}
            for job in store.open_jobs(conn, states=frozenset({JobState.HELD}),
                                       limit=SWEEP_LIMIT, skip_locked=True):
                if job.hold_reason is not None:
                    continue
                if job.printer_id not in names:
                    queue = self._devices.get_queue_in(conn, job.printer_id)
                    names[job.printer_id] = (queue.name, queue.held_job_lifetime_seconds)
                name, lifetime = names[job.printer_id]
                ends = expires_at(job.created_at, lifetime)
                if not ends - lead <= now < ends:
                    continue
                said = self._notifier.emit_in(
                    conn, "job.held_expiring", user_id=job.user_id,
                    once_key=f"job.held_expiring:{job.id}", at=now,
                    data={"job_id": job.id, "title": job.title, "queue": name,
                          "queue_id": job.printer_id, "username": job.username,
                          "expires_at": ends.strftime("%Y-%m-%d %H:%M UTC"),
                          "expires_at_iso": ends.isoformat()})
                warned += said is not None
            return warned

        return self._db.write(write)
