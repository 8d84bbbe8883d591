"""Release use cases: list a user's held jobs priced for a device, release them there,
delete them, and expire those nobody released.

Each job of a request is released (or deleted) in a transaction of its own, so one job
that cannot go (another device's group, not held any more) does not stop the others; every
answer says per job what happened. Release moves the server job ``held -> releasing``,
records the releasing device on it (completion charges that device's price) and queues a
``release`` event naming the device for the agent that holds the document. Nothing is
charged here: the reservation made at authorization stays until the agent reports the
result (settled at the releasing device's price) or the job ends otherwise (released).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.jobs import store
from printwarden.jobs.model import Job, JobState, transitions, with_fee
from printwarden.jobs.ports import Ledger
from printwarden.jobs.service import JobsService
from printwarden.ledger.model import CostBreakdown, JobSpec
from printwarden.release.find_me import FindMe
from printwarden.release.held_jobs import (
    MIN_HELD_JOB_LIFETIME_SECONDS,
    HeldJob,
    ReleaseOutcome,
    ReleaseTarget,
    expires_at,
    shape_at,
)
from printwarden.release.ports import ReleaseDevices

#: At most this many jobs in one listing or one release/delete request.
MAX_JOBS_PER_REQUEST = 500
OPERATOR_ROLES = ("operator",)


class ReleaseService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, *, ledger: Ledger,
                 devices: ReleaseDevices, jobs: JobsService,
                 find_me: FindMe | None = None) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self._ledger = ledger
        self._devices = devices
        self._jobs = jobs
        self._find_me = find_me

    # --- listing ---------------------------------------------------------------------------

    def held_jobs(self, user_id: str, *, device_id: str | None = None,
                  limit: int = MAX_JOBS_PER_REQUEST) -> list[HeldJob]:
        """The user's held jobs, oldest first, each priced for ``device_id`` when given."""
        limit = max(1, min(limit, MAX_JOBS_PER_REQUEST))

        def read(conn: Connection) -> list[HeldJob]:
            found = store.held_jobs_of(conn, user_id, limit=limit)
            lifetimes: dict[str, int] = {}
            targets: dict[str, Sequence[ReleaseTarget]] = {}
            # one price list read per device, not per job
            pricers: dict[str, Callable[[JobSpec], CostBreakdown]] = {}
            listed = []
            for job in found:
                if job.printer_id not in lifetimes:
                    queue = self._devices.get_queue_in(conn, job.printer_id)
                    lifetimes[job.printer_id] = queue.held_job_lifetime_seconds
                    if device_id is not None:  # only a priced listing needs the devices
                        targets[job.printer_id] = self._devices.release_targets_in(
                            conn, job.printer_id)
                held = _held(job, lifetimes[job.printer_id])
                if device_id is not None:
                    target = _find(targets[job.printer_id], device_id)
                    if target is None:
                        held = replace(held, releasable=False,
                                       why="this device is not in the job's release group")
                    else:
                        if target.id not in pricers:
                            pricers[target.id] = self._ledger.pricer_in(
                                conn, self._devices.price_list_for_device_in(conn, target))
                        held = replace(held, cost=with_fee(pricers[target.id](
                            _spec_at(target, job)).total, job.fee_minor))
                listed.append(held)
            return listed

        return self._db.read(read)

    def devices_for(self, user_id: str) -> list[ReleaseTarget]:
        """The enabled devices at which some held job of the user may be released."""

        def read(conn: Connection) -> list[ReleaseTarget]:
            found: dict[str, ReleaseTarget] = {}
            for queue_id in dict.fromkeys(job.printer_id for job in store.held_jobs_of(
                    conn, user_id, limit=MAX_JOBS_PER_REQUEST)):
                for target in self._devices.release_targets_in(conn, queue_id):
                    if target.enabled:
                        found.setdefault(target.id, target)
            return sorted(found.values(), key=lambda target: target.name)

        return self._db.read(read)

    # --- release and delete -------------------------------------------------------------------

    def release(self, principal: Principal, device_id: str,
                job_ids: Sequence[str] | None = None, *,
                user_id: str | None = None) -> list[ReleaseOutcome]:
        """Release ``job_ids`` (None: every held job of the user) at ``device_id``.

        ``user_id`` names whose jobs "every held job" means; it defaults to the principal
        and may name someone else only for an operator (audited per job)."""
        ids = self._ids(principal, job_ids, user_id)
        return [self._release_one(principal, job_id, device_id) for job_id in ids]

    def release_on_sign_in(self, principal: Principal,
                           device_id: str) -> list[ReleaseOutcome]:
        """What a sign-in at ``device_id`` releases: nothing unless the device says
        ``release_on_sign_in``; then every held job of the person that may print there
        (jobs of other release groups stay held, silently: they are not this device's).
        Each job goes as in ``release`` (a stopped device refuses them all, they stay held,
        and the outcomes say why); the sign-in itself never fails because of it."""
        device = self._db.read(lambda conn: self._devices.device_in(conn, device_id))
        if not device.release_on_sign_in or not device.enabled:
            return []
        here = [held.job_id for held in self.held_jobs(principal.id, device_id=device_id)
                if held.releasable]
        return self.release(principal, device_id, here) if here else []

    def delete(self, principal: Principal, job_ids: Sequence[str] | None = None, *,
               user_id: str | None = None) -> list[ReleaseOutcome]:
        """Delete held jobs: never charged, reservation released, document deleted at the
        agent (a ``cancel`` event)."""
        outcomes = []
        for job_id in self._ids(principal, job_ids, user_id):
            try:
                job = self._jobs.get_job(job_id)
                operator = self._check_owner(principal, job)
                if job.state is not JobState.HELD:
                    outcomes.append(ReleaseOutcome(job_id, False, _not_held(job)))
                    continue
                actor = _actor(principal)
                self._jobs.cancel(job_id, actor=actor,
                                  reason="deleted by an operator" if operator
                                  else "deleted by its owner")
                outcomes.append(ReleaseOutcome(job_id, True,
                                               f"deleted: {_title(job)}, nothing charged"))
            except (NotFoundError, PermissionDenied) as exc:
                outcomes.append(ReleaseOutcome(job_id, False, _hidden(exc)))
            except ConflictError as exc:  # it ended in between
                outcomes.append(ReleaseOutcome(job_id, False, exc.message[:300]))
        return outcomes

    def _ids(self, principal: Principal, job_ids: Sequence[str] | None,
             user_id: str | None) -> list[str]:
        if job_ids is not None:
            unique = list(dict.fromkeys(str(job_id)[:40] for job_id in job_ids))
            if len(unique) > MAX_JOBS_PER_REQUEST:
                raise ValidationError(f"at most {MAX_JOBS_PER_REQUEST} jobs per request")
            return unique
        owner = user_id or principal.id
        if owner != principal.id and not principal.has_role(*OPERATOR_ROLES):
            raise PermissionDenied("only an operator releases or deletes other users' jobs")
        return [job.job_id for job in self.held_jobs(owner)]

    def _release_one(self, principal: Principal, job_id: str,
                     device_id: str) -> ReleaseOutcome:
        def write(conn: Connection) -> ReleaseOutcome:
            job = store.get_job(conn, job_id, lock=True)
            operator = self._check_owner(principal, job)
            if job.state is not JobState.HELD:
                return ReleaseOutcome(job_id, False, _not_held(job))
            if job.hold_reason is not None:
                return ReleaseOutcome(job_id, False, _waiting(job))
            target = _find(self._devices.release_targets_in(conn, job.printer_id), device_id)
            if target is None:
                return ReleaseOutcome(job_id, False, "this device is not in the job's "
                                      "release group: release it at one that is")
            why = f"released at {target.name} by {principal.name}"
            outcome = self.send_in(conn, job, target, why=why, actor=_actor(principal))
            if outcome.ok:
                self._audit.record_in(conn, _actor(principal), "job.release", job.id,
                                      device=target.name, operator=operator,
                                      owner=job.username,
                                      find_me=target.agent_id not in (None, job.agent_id))
            return outcome

        try:
            return self._db.write(write)
        except (NotFoundError, PermissionDenied) as exc:
            return ReleaseOutcome(job_id, False, _hidden(exc))

    def send_in(self, conn: Connection, job: Job, target: ReleaseTarget, *, why: str,
                actor: str, transforms: Sequence[str] | None = None) -> ReleaseOutcome:
        """Send the held ``job`` to ``target`` now (the caller checked who may): refused,
        and left held, when the device is disabled or stopped or find-me cannot reach the
        holding agent; else ``held -> releasing`` at the device's price and the agent's
        ``release`` event (or find-me's hand-over) queued. ``transforms`` (None: the job's
        own, as authorized) go with the event."""
        if not target.enabled:
            return ReleaseOutcome(job.id, False, f"device {target.name} is disabled: "
                                  "the job stays held")
        refusal = self._devices.release_refusal_in(conn, target.id, target.name)
        if refusal is not None:  # stopped (jam, no paper, offline): not lost in it
            return ReleaseOutcome(job.id, False, refusal)
        find_me = target.agent_id is not None and target.agent_id != job.agent_id
        if find_me:
            refusal = (f"device {target.name} is served by another agent than the one "
                       "holding the job and find-me is not configured: the job stays "
                       "held") if self._find_me is None else self._find_me.refusal(
                conn, self._devices, job, self._clock.now())
            if refusal is not None:
                return ReleaseOutcome(job.id, False, refusal)
        cost = with_fee(self._ledger.cost_in(
            conn, self._devices.price_list_for_device_in(conn, target),
            _spec_at(target, job)).total, job.fee_minor)
        moved, events = transitions(job, (JobState.RELEASING,), why[:500], self._clock.now())
        moved = replace(moved, device_id=target.id, estimated_cost_minor=cost.minor,
                        hold_reason=None)
        store.save_job(conn, moved)
        store.insert_events(conn, events)
        chosen = job_transforms(conn, job) if transforms is None else list(transforms)
        if find_me and self._find_me is not None:
            self._find_me.hand_over(conn, self._devices, job, target, self._clock.now(),
                                    transforms=chosen)
        else:
            payload: dict[str, object] = {
                "job_id": job.id, "agent_job_key": job.agent_job_key,
                "device_id": target.id, "device_uri": target.device_uri}
            if chosen:
                payload["transforms"] = chosen
            self._devices.append_event_in(conn, job.agent_id, "release", payload)
        return ReleaseOutcome(job.id, True, f"released at {target.name}: "
                              f"{_title(job)}, {cost.format()}", cost)

    def _check_owner(self, principal: Principal, job: Job) -> bool:
        """True when an operator acts on someone else's job; PermissionDenied for anyone
        else who is not the owner."""
        if principal.kind == "user" and job.user_id == principal.id:
            return False
        if principal.kind == "user" and principal.has_role(*OPERATOR_ROLES):
            return True
        raise PermissionDenied(f"job {job.id} is not yours")

    # --- expiry ----------------------------------------------------------------------------

    def expire_held(self, *, limit: int = 500) -> int:
        """Expire held jobs older than their queue's held-job lifetime: never charged,
        reservation released, the agent told to delete the document. Answers how many."""
        now = self._clock.now()

        def write(conn: Connection) -> int:
            expired = 0
            lifetimes: dict[str, int] = {}
            for job in store.open_jobs(
                    conn, states=frozenset({JobState.HELD}), limit=limit, skip_locked=True,
                    not_moved_since=now - timedelta(seconds=MIN_HELD_JOB_LIFETIME_SECONDS)):
                if job.printer_id not in lifetimes:
                    lifetimes[job.printer_id] = self._devices.get_queue_in(
                        conn, job.printer_id).held_job_lifetime_seconds
                lifetime = lifetimes[job.printer_id]
                if now < expires_at(job.created_at, lifetime):
                    continue
                self._jobs.expire_in(conn, job, f"held for more than {_hours(lifetime)} "
                                     "without release: expired, nothing charged",
                                     actor="scheduler")
                expired += 1
            return expired

        return self._db.write(write)


def job_transforms(conn: Connection, job: Job) -> list[str]:
    """The transforms the job was authorized with (and accepted since)."""
    detail = store.get_job_row(conn, job.id)["decision_detail"] or {}
    return [str(name) for name in detail.get("transforms", ())]


def _waiting(job: Job) -> str:
    if job.hold_reason == "approval":
        return "this job waits for an operator's approval"
    return "this job waits for its owner's answer to a print rule's question"


def _held(job: Job, lifetime: int) -> HeldJob:
    reserved = (Money(job.estimated_cost_minor, job.currency)
                if job.estimated_cost_minor is not None and job.currency else None)
    return HeldJob(job_id=job.id, queue_id=job.printer_id, username=job.username,
                   title=job.title, pages=job.pages, color_pages=job.color_pages,
                   copies=job.copies, duplex=job.duplex, media=job.media,
                   created_at=job.created_at, expires_at=expires_at(job.created_at, lifetime),
                   reserved=reserved)


def _spec_at(target: ReleaseTarget, job: Job) -> JobSpec:
    """``job`` as ``target`` prints it (a mono device prints colour pages grey, one
    without duplex prints simplex)."""
    shape = shape_at(target, pages=job.pages or 0, color_pages=job.color_pages or 0,
                     copies=job.copies, duplex=job.duplex)
    return JobSpec(media=job.media, pages=shape.pages, color_pages=shape.color_pages,
                   copies=shape.copies, duplex=shape.duplex)


def _find(targets: Sequence[ReleaseTarget], device_id: str) -> ReleaseTarget | None:
    return next((target for target in targets if target.id == device_id), None)


def _title(job: Job) -> str:
    return f"'{job.title[:80]}'" if job.title else "an untitled job"


def _not_held(job: Job) -> str:
    return f"the job is {job.state.value}, not held"


def _hidden(exc: Exception) -> str:
    """Another user's job and a job that does not exist read the same."""
    return "no such held job of yours" if isinstance(exc, NotFoundError | PermissionDenied) \
        else str(exc)


def _actor(principal: Principal) -> str:
    return principal.name


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds // 60} min"
