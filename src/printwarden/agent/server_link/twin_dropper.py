"""Drops the twins of a job at the servers the agent does not follow.

With a site's remote, one print can be authorized at two servers: the agent asked one,
its answer was lost (a timeout, a cut, a SIGKILL before the answer was journaled), and it
asked again at the other with the same agent job key. The agent follows the answer it
has; the other server still holds a job of that key (held, with a reservation), which
the user would see in its release list and which would wait there until it expired.

When an authorize was in doubt (the link failed over during it, an earlier attempt found
no server, or the job was received before this agent process started), the agent tells
every other server to drop its job of that key (``POST /api/v1/agent/drop-twin``): one
that has not printed is cancelled, its reservation released. Each server is asked until it
answers, with back-off, for ``GIVE_UP_SECONDS`` (past that, the twin ends with its queue's
job lifetime: expired, nothing charged).

Each pending drop is journaled (a ``twin-drop KEY URL`` value) before the agent journals
the decision it follows (``journal``), sent only once that decision is journaled
(``start``: so the twin's cancel event, which names the agent's job key, is known to be
about another server's job: ``agent/service.py``, ``_follows``), and forgotten once
answered. A SIGKILLed agent resumes its drops at start (``resume``), each only if the job
follows the job the drop names: killed between the two commits, the job does not (its
decision was not journaled), the drop is forgotten and made again when the job is
authorized again.

A server that answers it has no job of that key is asked again, with back-off, for
``LATE_TWIN_SECONDS``: the authorize the agent gave up on there (it timed out) may still be
on its way through that server, and would make the twin after the first answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.storage.journal import Journal

log = logging.getLogger(__name__)

#: How long a server that does not answer is asked again.
GIVE_UP_SECONDS = 3600.0
#: How long a server that answers "no such job" is asked again (a late authorize there).
LATE_TWIN_SECONDS = 300.0
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 1.0, 60.0
#: The journal keys of pending drops: ``twin-drop <agent job key> <server URL>``.
PENDING_PREFIX = "twin-drop "


def pending_key(agent_job_key: str, url: str) -> str:
    return f"{PENDING_PREFIX}{agent_job_key} {url}"


@dataclass(frozen=True)
class PendingDrops:
    """Drops journaled for one job, not yet sent."""

    agent_job_key: str
    followed_job_id: str
    #: When they were first journaled (``time.time()``): they are asked until
    #: ``GIVE_UP_SECONDS`` after.
    since: float
    urls: tuple[str, ...]


class TwinDropper:
    def __init__(self, link: ServerLink, journal: Journal | None = None) -> None:
        """``journal``: where pending drops are kept across a restart (none: in memory)."""
        self._link = link
        self._journal = journal
        self._tasks: set[asyncio.Task[None]] = set()

    async def drop_elsewhere(self, agent_job_key: str, followed_job_id: str,
                             decided_at: str) -> None:
        """Ask each server but ``decided_at`` to drop its job ``agent_job_key``; the drops
        are journaled when this returns (``journal`` then ``start``)."""
        self.start(await self.journal(agent_job_key, followed_job_id, decided_at))

    async def journal(self, agent_job_key: str, followed_job_id: str,
                      decided_at: str) -> PendingDrops:
        """Journal the drops of ``agent_job_key`` at each server but ``decided_at``, to be
        sent (``start``) once the job's decision is journaled."""
        drops = PendingDrops(agent_job_key, followed_job_id, time.time(), tuple(
            url for url in self._link.server_urls if url != decided_at))
        if self._journal is not None:
            value = json.dumps({"followed": followed_job_id, "since": drops.since})
            for url in drops.urls:
                await self._journal.set_value_async(pending_key(agent_job_key, url), value)
        return drops

    def start(self, drops: PendingDrops) -> None:
        """Send journaled drops (in the background, each until answered)."""
        for url in drops.urls:
            self._start(url, drops.agent_job_key, drops.followed_job_id, drops.since)

    async def resume(self, follows: Callable[[str, str], bool]) -> int:
        """Start again the drops a previous run journaled, each whose job still follows
        the job it names (``follows(agent_job_key, followed_job_id)``); forget the others.
        Answer how many were resumed."""
        if self._journal is None:
            return 0
        resumed = 0
        for key, value in self._journal.values_under(PENDING_PREFIX):
            agent_job_key, _, url = key[len(PENDING_PREFIX):].partition(" ")
            try:
                fields = json.loads(value)
                followed, since = str(fields["followed"]), float(fields["since"])
            except (ValueError, KeyError, TypeError):
                followed, since = "", 0.0
            if not followed or url not in self._link.server_urls \
                    or not follows(agent_job_key, followed):
                await self._journal.delete_value_async(key)
                continue
            self._start(url, agent_job_key, followed, since)
            resumed += 1
        if resumed:
            log.info("resumed %d pending twin drops", resumed)
        return resumed

    def _start(self, url: str, agent_job_key: str, followed_job_id: str,
               since: float) -> None:
        task = asyncio.create_task(self._drop(url, agent_job_key, followed_job_id, since),
                                   name=f"drop-twin-{agent_job_key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drop(self, url: str, agent_job_key: str, followed_job_id: str,
                    since: float) -> None:
        await self._ask(url, agent_job_key, followed_job_id, since)
        if self._journal is not None:  # answered, or given up: nothing to resume
            await self._journal.delete_value_async(pending_key(agent_job_key, url))

    async def _ask(self, url: str, agent_job_key: str, followed_job_id: str,
                   since: float) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + GIVE_UP_SECONDS - max(time.time() - since, 0.0)
        late_until: float | None = None
        delay = FIRST_RETRY_SECONDS
        while True:
            answer = await self._link.drop_twin_at(url, agent_job_key, followed_job_id)
            if answer is not None:
                if "job_id" not in answer or answer["job_id"] is not None:
                    return  # dropped, printing, ended, or an older server: done
                late_until = late_until or loop.time() + LATE_TWIN_SECONDS
                if loop.time() + delay > late_until:
                    return  # no twin there after all
            elif loop.time() + delay > give_up:
                log.warning("job %s: %s never answered; its twin there expires on its own",
                            agent_job_key, url)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    @property
    def busy(self) -> bool:
        """Whether a server is still being asked."""
        return bool(self._tasks)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
