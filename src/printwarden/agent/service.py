"""``AgentService``: the façade the IPP front end calls; everything else happens behind it.

The IPP layer answers ``successful-ok`` to a Print-Job once ``accept`` has returned: the
document is then fsynced in the spool and the job committed to the journal. It shows
``queue_status``, answers ``server-error-service-unavailable`` while ``accepting`` is
false, and maps ``LocalJob.ipp_state`` / ``ipp_state_reasons`` / ``ipp_state_message``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Coroutine
from datetime import timedelta
from typing import Any, Literal

import httpx

from printwarden.agent.forwarding.retry import RetryPolicy
from printwarden.agent.model import (
    TERMINAL_STATES,
    JobMeta,
    LocalJob,
    LocalState,
    UnknownTransform,
    parse_transforms,
    released_state,
)
from printwarden.agent.processing.analysis_pool import pool_from_settings
from printwarden.agent.processing.delivery import SendDocument
from printwarden.agent.processing.device_monitor import DeviceMonitor, StatusOf
from printwarden.agent.processing.find_me_fetch import (
    FIND_ME_QUEUE,
    FetchFailed,
    FindMeFetcher,
)
from printwarden.agent.processing.pipeline import Pipeline
from printwarden.agent.queues import QueueActivity, QueueConfig, QueueStatus, merge_queues
from printwarden.agent.queues import queue_status as status_of
from printwarden.agent.server_link.client import ServerLink, ServerRejected, ServerUnreachable
from printwarden.agent.server_link.event_pump import EventPump
from printwarden.agent.server_link.offline_uploader import OfflineUploader
from printwarden.agent.server_link.outbox_sender import OutboxSender
from printwarden.agent.settings import AgentSettings
from printwarden.agent.storage.job_book import JobBook
from printwarden.agent.storage.recovery import RecoveryReport, recover
from printwarden.agent.storage.tracker_journal import TrackerJournal, pushed_prices
from printwarden.core.fetch_token import FetchTokenVerifier
from printwarden.core.tasks import cancel_and_wait
from printwarden.release.snmp_reader import SnmpReader

#: How long a release event waits for the job's authorize answer to be journaled.
DECISION_WAIT_SECONDS = 30.0
log = logging.getLogger(__name__)
L = LocalState
SERVER_CONFIG_KEY = "server_config"
#: This agent's id at the server and the key that verifies find-me fetch tokens, from the
#: last configuration (kept so a start without a server can still hand jobs over).
AGENT_ID_KEY = "agent_id"
FETCH_KEY_KEY = "fetch_token_public_key"
#: The digest of a token the server refused: the agent stays revoked until re-enrolled.
REVOKED_KEY = "revoked_token"
#: How often the journal's retention sweep runs (besides at start).
SWEEP_PERIOD_SECONDS = 6 * 3600
_FIND_ME_CONFIG = QueueConfig(name=FIND_ME_QUEUE, advertise=False, kind="release",
                              hold_for_release=True, owner_check="release")
REVOKED_MESSAGE = "agent revoked: re-enrol it (printwarden agent --enrol CODE)"
Which = Literal["not-completed", "completed", "all"]
_ENDED_IPP_STATES = (7, 8, 9)


def _follows(job: LocalJob, payload: dict[str, Any]) -> bool:
    """Whether an event's server job is the one ``job`` follows. With a site's remote one
    print can have a twin at the server the agent does not follow (docs/protocols/
    agent-link.md, 3b); the twin's cancel (dropped, or settled at central), expire or
    release names the agent's job key too, and must not end or print the job that follows
    the other server's. A job not decided yet follows whatever comes."""
    server_job = payload.get("job_id")
    return not server_job or job.server_job_id is None or job.server_job_id == str(server_job)


def _digest(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


class JobConflict(Exception):
    """The job cannot do that now (unknown, already ended, being printed)."""


class QueueNotAccepting(Exception):
    def __init__(self, queue: str, reason: str) -> None:
        super().__init__(f"queue {queue!r} is not accepting jobs: {reason}")
        self.reason = reason


class AgentService:
    def __init__(self, settings: AgentSettings, book: JobBook, link: ServerLink,
                 send: SendDocument, status_of: StatusOf | None = None,
                 peer_transport: httpx.AsyncBaseTransport | None = None,
                 snmp: SnmpReader | None = None) -> None:
        self.settings = settings
        self.book = book
        self.link = link
        self.server_up = asyncio.Event()
        self.server_up.set()
        #: Set when the link went down: the configuration (and prices) is re-read when
        #: it comes back.
        self._link_lost = asyncio.Event()
        link.on_reachability(self._on_reachability)
        link.on_revoked(self._on_revoked)
        #: Why the server refused this agent's token, or None.
        self.revoked: str | None = None
        self._queues: dict[str, QueueConfig] = {}
        self._activity: dict[str, QueueActivity] = {}
        retry = RetryPolicy(initial_delay=settings.forward_delay_seconds,
                            max_delay=max(settings.forward_max_delay_seconds,
                                          settings.forward_delay_seconds))
        self.find_me = FindMeFetcher(book, peers=lambda: settings.find_me_peers,
                                     own_id=self.agent_id,
                                     timeout=settings.request_timeout_seconds,
                                     transport=peer_transport)
        self.pipeline = Pipeline(book, link, self.server_up, queues=self._pipeline_queues,
                                 activity=self._activity_of, send=send, retry=retry,
                                 analyser=pool_from_settings(settings),
                                 transform_timeout=settings.transform_timeout_seconds)
        self._monitor = None if status_of is None or settings.device_poll_seconds <= 0 else (
            DeviceMonitor(status_of, queues=lambda: self._queues, activity=self._activity_of,
                          clock=book.clock, period_seconds=settings.device_poll_seconds,
                          report=link.device_status, snmp=snmp,
                          snmp_timeout_seconds=settings.snmp_timeout_seconds,
                          snmp_retries=settings.snmp_retries))
        self.events = EventPump(book.journal, link, self.server_up,
                                wait_seconds=settings.events_wait_seconds,
                                others_seconds=settings.other_servers_events_seconds,
                                handlers={"cancel": self._on_cancel_event,
                                          "expire": self._on_expire_event,
                                          "release": self._on_release_event,
                                          "fetch": self._on_fetch_event,
                                          "move": self._on_move_event,
                                          "config": self._on_config_event})
        self._tasks: list[asyncio.Task[None]] = []
        self._tracker = TrackerJournal(book.journal)
        self.recovery: RecoveryReport | None = None
        self._verifier: tuple[str, FetchTokenVerifier] | None = None

    # --- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover the journal, fetch the configuration, start the background tasks."""
        if self.book.journal.get_value(REVOKED_KEY) == _digest(self.link.token):
            self.revoked = REVOKED_MESSAGE
            log.error("this agent was revoked at the server: its queues accept no jobs; "
                      "re-enrol it with a new code")
        self.recovery = recover(self.book)
        self.sweep_journal()
        self._load_cached_config()
        await self.refresh_config()
        self._spawn(self.link.watch_health(self.settings.health_min_seconds,
                                           self.settings.health_max_seconds), "health")
        self._spawn(OutboxSender(self.book, self.link, self.server_up).run(), "outbox")
        self._spawn(OfflineUploader(self.book, self.link, self.server_up).run(),
                    "tracker-upload")
        self._spawn(self._refresh_when_back(), "config-on-reconnect")
        self._spawn(self.events.run(), "events")
        self._spawn(self.events.run_others(), "other-servers-events")
        await self.pipeline.resume_twin_drops()
        if self._monitor is not None:
            self._spawn(self._monitor.run(), "device-monitor")
        self._spawn(self._sweep_periodically(), "journal-sweep")
        self.pipeline.wake_all()

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        await self.pipeline.stop()
        await self.find_me.aclose()
        await self.link.aclose()
        self.book.journal.close()

    def sweep_journal(self) -> int:
        """Delete the ended jobs older than ``journal_retention_days``; answers how many."""
        retention = timedelta(days=self.settings.journal_retention_days)
        swept = self.book.journal.sweep_ended(self.book.clock.now() - retention)
        if swept:
            log.info("journal sweep: %d ended jobs older than %g days removed", swept,
                     self.settings.journal_retention_days)
        return swept

    async def _sweep_periodically(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_PERIOD_SECONDS)
            self.sweep_journal()  # a few batched deletes, every six hours

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=f"agent-{name}"))

    def _on_revoked(self, message: str) -> None:
        if self.revoked is None:
            log.error("the server refused this agent's token (%s): its queues stop accepting "
                      "jobs until it is re-enrolled", message)
            self.book.journal.set_value(REVOKED_KEY, _digest(self.link.token))
        self.revoked = REVOKED_MESSAGE

    def _on_reachability(self, reachable: bool) -> None:
        if reachable:
            self.server_up.set()
        else:
            self.server_up.clear()
            self._link_lost.set()

    async def _refresh_when_back(self) -> None:
        """Re-read the configuration each time a server answers again: what changed
        meanwhile (queues, prices for tracker mode) is not missed."""
        while True:
            await self._link_lost.wait()
            await self.server_up.wait()
            self._link_lost.clear()
            await self.refresh_config()

    # --- configuration -----------------------------------------------------------------------

    def _set_queues(self, queues: dict[str, QueueConfig]) -> None:
        for name, config in sorted(queues.items()):
            before = self._queues.get(name)
            if config.owner_check == "trusted-network" and (
                    before is None or before.owner_check != "trusted-network"):
                log.warning("queue %s trusts the network: requesting-user-name is believed, "
                            "anyone who reaches it can print as any user", name)
        self._queues = queues

    def _load_cached_config(self) -> None:
        cached = self.book.journal.get_value(SERVER_CONFIG_KEY)
        pushed = json.loads(cached) if cached else []
        self._set_queues(merge_queues(self.settings.queues, pushed))

    async def refresh_config(self) -> bool:
        """Fetch the server's queues (kept in the journal for starts without a server)."""
        try:
            config = await self.link.config()
        except (ServerUnreachable, ServerRejected) as exc:
            log.warning("cannot fetch the agent configuration: %s", exc.message)
            return False
        pushed = list(config.get("queues") or [])
        self.book.journal.set_value(SERVER_CONFIG_KEY, json.dumps(pushed))
        self._tracker.save_prices(pushed_prices(pushed))
        for key in (AGENT_ID_KEY, FETCH_KEY_KEY):
            value = str(config.get(key) or "")
            if value and value != self.book.journal.get_value(key):
                self.book.journal.set_value(key, value)
        self._set_queues(merge_queues(self.settings.queues, pushed))
        self.pipeline.wake_all()
        return True

    def agent_id(self) -> str | None:
        """This agent's id at the server (None before the first configuration)."""
        return self.book.journal.get_value(AGENT_ID_KEY)

    def fetch_token_verifier(self) -> FetchTokenVerifier | None:
        """Checks find-me fetch tokens with the server's public key (None: not known yet,
        or a key that does not parse)."""
        key = self.book.journal.get_value(FETCH_KEY_KEY)
        if not key:
            return None
        if self._verifier is None or self._verifier[0] != key:
            try:
                self._verifier = (key, FetchTokenVerifier(key))
            except ValueError:
                log.error("the server's fetch-token key does not parse: find-me is off")
                return None
        return self._verifier[1]

    # --- queues ------------------------------------------------------------------------------

    def _pipeline_queues(self) -> dict[str, QueueConfig]:
        """The queues the pipeline works on: the served ones and the find-me queue of jobs
        fetched from other agents (not an IPP queue; each job names its device)."""
        return {**self._queues, FIND_ME_QUEUE: _FIND_ME_CONFIG}

    def _activity_of(self, queue: str) -> QueueActivity:
        return self._activity.setdefault(queue, QueueActivity())

    def queue_activity(self, name: str) -> QueueActivity:
        """The live state of queue ``name`` (the IPP front end sets ``paused``)."""
        return self._activity_of(name)

    def queue_names(self) -> list[str]:
        return sorted(self._queues)

    def queue_config(self, name: str) -> QueueConfig | None:
        return self._queues.get(name)

    def queue_status(self, name: str) -> QueueStatus:
        config = self._queues.get(name)
        if config is None:
            raise KeyError(f"unknown queue {name!r}")
        return status_of(config, self._activity_of(name), server_reachable=self.link.reachable,
                         disk_ok=self.book.spool.has_room(), revoked=self.revoked)

    def accepting(self, queue: str) -> tuple[bool, str]:
        """(accepting, reason): reason is ``server-unreachable``, ``spool-area-full``..."""
        if queue not in self._queues:
            return False, "unknown-queue"
        if self.revoked is not None:
            return False, "agent-revoked"
        if not self.book.spool.has_room():
            return False, "spool-area-full"
        if not self.link.reachable and self._queues[queue].failure_policy == "refuse":
            return False, "server-unreachable"
        return True, ""

    # --- jobs --------------------------------------------------------------------------------

    async def accept(self, queue: str, meta: JobMeta, chunks: AsyncIterator[bytes]) -> LocalJob:
        """Spool and journal a job; raises ``QueueNotAccepting`` or ``SpoolError``."""
        accepting, reason = self.accepting(queue)
        if not accepting:
            raise QueueNotAccepting(queue, reason)
        job = await self.book.spool.accept(queue, meta, chunks)
        self.pipeline.wake(queue)
        return job

    def get_job(self, local_id: str) -> LocalJob | None:
        return self.book.get(local_id)

    def list_jobs(self, queue: str | None, which: Which = "not-completed",
                  user: str | None = None) -> list[LocalJob]:
        jobs = self.book.journal.jobs(queue=queue)
        if which == "not-completed":
            jobs = [job for job in jobs if job.ipp_state not in _ENDED_IPP_STATES]
        elif which == "completed":
            jobs = [job for job in jobs if job.ipp_state in _ENDED_IPP_STATES]
        if user is not None:
            jobs = [job for job in jobs if job.meta.username == user]
        return jobs

    def _require(self, local_id: str) -> LocalJob:
        job = self.book.get(local_id)
        if job is None:
            raise JobConflict(f"no job {local_id}")
        return job

    def _moved(self, job: LocalJob, to_state: LocalState, reason: str,
               **changes: Any) -> LocalJob:
        moved = self.book.move(job, to_state, reason, **changes)
        if moved is None:
            raise JobConflict(f"job {job.local_id} is {job.state.value}: "
                              f"it cannot become {to_state.value}")
        return moved

    async def cancel(self, local_id: str, by_user: str | None = None) -> LocalJob:
        """Cancel a job (``by_user`` None means an operator). One not yet sent ends at once,
        uncharged; one being sent is stopped: the cancel is journaled first (a restart never
        sends it again), the transfer stops or the device's job is cancelled, and it ends
        cancelled with the pages the device printed before (those are charged)."""
        job = self._require(local_id)
        reason = f"cancelled by {by_user}" if by_user else "cancelled by an operator"
        if job.state is L.FORWARDING:
            return await self._stop_delivery(job, reason, by_operator=by_user is None)
        return self._moved(job, L.CANCELLED, reason, cancelled_by_operator=by_user is None)

    async def _stop_delivery(self, job: LocalJob, reason: str, *,
                             by_operator: bool) -> LocalJob:
        if not job.cancel_requested:
            job = await self.book.update_async(job, cancel_requested=True,
                                               cancelled_by_operator=by_operator,
                                               state_reason=f"{reason}: stopping")
        self.pipeline.cancel_delivery(job.local_id)
        return job

    async def hold(self, local_id: str) -> LocalJob:
        return self._moved(self._require(local_id), L.HELD, "held on request")

    async def release(self, local_id: str, *, device_uri: str = "", device_id: str = "",
                      transforms: tuple[str, ...] | None = None) -> LocalJob:
        """Let a held job go on: to ``device_uri`` (a device of its release group) when
        given, else to its queue's device; ``transforms`` (validated) replace the job's."""
        job = self._require(local_id)
        where = f" to {device_id or device_uri}" if device_uri else ""
        to_state = released_state(job)
        changes: dict[str, Any] = {"release_device_uri": device_uri,
                                   "release_device_id": device_id}
        if transforms is not None:
            changes["transforms"] = transforms
        moved = await self.book.move_async(  # the loop goes on while this is fsynced
            job, to_state, f"released{where}"[:500], **changes)
        if moved is None:
            raise JobConflict(f"job {job.local_id} is {job.state.value}: "
                              f"it cannot become {to_state.value}")
        self.pipeline.wake(job.queue)
        return moved

    # --- server events -----------------------------------------------------------------------

    def _job_of(self, payload: dict[str, Any]) -> LocalJob | None:
        """The local job an event is about; None when it is about a twin (``_follows``)."""
        key = payload.get("agent_job_key")
        job = self.book.get(str(key)) if key else None
        if job is None and payload.get("job_id"):
            job = self.book.journal.find_by_server_id(str(payload["job_id"]))
        return job if job is not None and _follows(job, payload) else None

    async def _on_cancel_event(self, payload: dict[str, Any]) -> None:
        job = self._job_of(payload)
        if job is None or job.state in TERMINAL_STATES:
            return
        reason = str(payload.get("reason") or "cancelled by an operator")
        if job.state is L.FORWARDING:  # the server waits for what printed before it stopped
            await self._stop_delivery(job, reason, by_operator=True)
            return
        # The server cancelled its job already: nothing to report back.
        if self.book.move(job, L.CANCELLED, reason, cancelled_by_operator=True,
                          completion_sent=True) is None:
            current = self.get_job(job.local_id)
            if current is not None and current.state is L.FORWARDING:  # it just started
                await self._stop_delivery(current, reason, by_operator=True)
            elif current is not None and not current.terminal:
                log.warning("cancel event for job %s not applied: it is %s", job.local_id,
                            current.state.value)

    async def _on_expire_event(self, payload: dict[str, Any]) -> None:
        """The server expired a job that did not move (its reservation is released): the
        document goes; one still being sent is stopped."""
        job = self._job_of(payload)
        if job is None or job.state in TERMINAL_STATES:
            return
        reason = str(payload.get("reason") or "expired at the server")
        if job.state is L.FORWARDING:
            await self._stop_delivery(job, reason, by_operator=True)
            return
        self.book.move(job, L.EXPIRED, reason, completion_sent=True)

    async def _on_release_event(self, payload: dict[str, Any]) -> None:
        """A held job was released at a device. A payload's ``transforms`` (the user
        accepted a conversion while it was held) replace the job's; ones this agent does
        not know fail the job: it never prints other than what was priced."""
        job = self._job_of(payload)
        if job is not None and job.state in (L.SPOOLED, L.ANALYSED):
            job = await self._decided(job)  # the server decided and released at once
        if job is None or job.state is not L.HELD or not _follows(job, payload):
            return
        transforms: tuple[str, ...] | None = None
        if "transforms" in payload:
            try:
                transforms = parse_transforms(payload["transforms"])
            except UnknownTransform as exc:
                log.error("job %s: release not applied: %s", job.local_id, exc)
                self.book.move(job, L.FAILED, f"not printed: {exc}")
                return
        await self.release(job.local_id, device_uri=str(payload.get("device_uri") or ""),
                           device_id=str(payload.get("device_id") or ""),
                           transforms=transforms)

    async def _decided(self, job: LocalJob) -> LocalJob | None:
        """``job`` once its authorize answer is journaled. A rule can hold a job and
        release it in the same server transaction (a redirect; a question answered at
        once), so the release event may arrive before the agent has recorded the hold.
        The event pump waits here (bounded) rather than drop the release: its cursor is
        journaled after the handler, so a crash meanwhile replays the event."""
        deadline = asyncio.get_running_loop().time() + DECISION_WAIT_SECONDS
        current: LocalJob | None = job
        while current is not None and current.state in (L.SPOOLED, L.ANALYSED):
            if asyncio.get_running_loop().time() > deadline:
                log.warning("job %s: released before its decision arrived; it stays "
                            "until the next release", job.local_id)
                return current
            await asyncio.sleep(0.05)
            current = self.book.get(job.local_id)
        return current

    async def _on_fetch_event(self, payload: dict[str, Any]) -> None:
        """A job held at another agent was released at a device of this one: fetch it
        (``find_me_fetch.py``) and print it."""
        try:
            fetched = await self.find_me.handle(payload)
        except FetchFailed as exc:
            log.error("find-me: job %s not fetched: %s", payload.get("job_id"), exc)
            await self._give_back(payload, str(exc))
            return
        if fetched is not None:
            self.pipeline.wake(FIND_ME_QUEUE)

    async def _give_back(self, payload: dict[str, Any], reason: str) -> None:
        """Tell the server the job could not be fetched: it goes back to held."""
        try:
            await self.link.fetch_failed(str(payload.get("job_id") or ""), reason)
        except (ServerUnreachable, ServerRejected) as exc:
            log.warning("find-me: could not tell the server: %s", exc.message)

    async def _on_move_event(self, payload: dict[str, Any]) -> None:
        """A held job of this agent was released at another agent's device: it stays held
        here until that agent has fetched it (``POST /fetch/KEY/done`` ends it moved)."""
        job = self._job_of(payload)
        if job is not None and job.state is L.HELD:
            await self.book.update_async(job, state_reason=(
                f"released at another agent's device ({payload.get('device_id')}): "
                "waiting for it to fetch the job")[:500])

    async def _on_config_event(self, payload: dict[str, Any]) -> None:
        await self.refresh_config()
