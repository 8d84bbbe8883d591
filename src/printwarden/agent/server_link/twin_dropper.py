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
answers, with back-off, for ``GIVE_UP_SECONDS``; not journaled: after a restart, or past
that, the twin ends with its queue's job lifetime (expired, nothing charged).

A server that answers it has no job of that key is asked again, with back-off, for
``LATE_TWIN_SECONDS``: the authorize the agent gave up on there (it timed out) may still be
on its way through that server, and would make the twin after the first answer.
"""

from __future__ import annotations

import asyncio
import logging

from printwarden.agent.server_link.client import ServerLink

log = logging.getLogger(__name__)

#: How long a server that does not answer is asked again.
GIVE_UP_SECONDS = 3600.0
#: How long a server that answers "no such job" is asked again (a late authorize there).
LATE_TWIN_SECONDS = 300.0
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 1.0, 60.0


class TwinDropper:
    def __init__(self, link: ServerLink) -> None:
        self._link = link
        self._tasks: set[asyncio.Task[None]] = set()

    def drop_elsewhere(self, agent_job_key: str, followed_job_id: str,
                       decided_at: str) -> None:
        """Ask each server but ``decided_at`` to drop its job ``agent_job_key``."""
        for url in self._link.server_urls:
            if url == decided_at:
                continue
            task = asyncio.create_task(self._drop(url, agent_job_key, followed_job_id),
                                       name=f"drop-twin-{agent_job_key}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _drop(self, url: str, agent_job_key: str, followed_job_id: str) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + GIVE_UP_SECONDS
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
