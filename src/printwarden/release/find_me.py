"""Find-me: hand a held job from the agent that holds it (A) to the agent of the device it
is released at (B).

On such a release the server signs a fetch token (``core/fetch_token.py``) bound to the
job, A, B and the device, queues a ``fetch`` event for B (the token, A's id and the job's
metadata: B fetches the document straight from A, it never passes through the server)
and a ``move`` event for A (the job is leaving: keep it until B has fetched it, then
delete it). A holding agent that has not been seen for ``REACHABLE_SECONDS`` is taken as
unreachable: the job stays held and the answer says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from printwarden.core.fetch_token import FetchClaims, FetchTokenSigner
from printwarden.core.ids import new_id
from printwarden.jobs.model import Job
from printwarden.release.held_jobs import ReleaseTarget
from printwarden.release.ports import ReleaseDevices

#: Agents long-poll events at least every 30 s and ``last_seen_at`` is written at most
#: once a minute: an agent not seen for three minutes is gone.
REACHABLE_SECONDS = 180
DEFAULT_TOKEN_SECONDS = 120


@dataclass(frozen=True)
class FindMe:
    signer: FetchTokenSigner
    token_seconds: int = DEFAULT_TOKEN_SECONDS

    def refusal(self, conn: Connection, devices: ReleaseDevices, job: Job,
                now: datetime) -> str | None:
        """Why the job cannot be handed over now (its holding agent is gone), or None."""
        holder = devices.get_agent_in(conn, job.agent_id)
        seen = holder.last_seen_at
        if not holder.active or seen is None or \
                now - seen > timedelta(seconds=REACHABLE_SECONDS):
            return (f"agent {holder.name}, which holds the job, cannot be reached: the job "
                    "stays held; try again when it is back")
        return None

    def hand_over(self, conn: Connection, devices: ReleaseDevices, job: Job,
                  target: ReleaseTarget, now: datetime, *,
                  transforms: Sequence[str] = ()) -> str:
        """Queue the ``fetch`` event for B and the ``move`` event for A; answers the token
        id. ``transforms`` (forced by a rule or accepted by the user) go with the fetch:
        B applies them as A would have, since the job was priced after them."""
        assert target.agent_id is not None
        claims = FetchClaims(tid=new_id(), job_id=job.id, job_key=job.agent_job_key,
                             src=job.agent_id, dst=target.agent_id, device_id=target.id,
                             exp=int(now.timestamp()) + self.token_seconds)
        token = self.signer.sign(claims)
        holder = devices.get_agent_in(conn, job.agent_id)
        devices.append_event_in(conn, target.agent_id, "fetch", {
            "job_id": job.id, "token": token, "token_id": claims.tid,
            "expires_at": claims.exp, "source_agent_id": job.agent_id,
            "source_agent_name": holder.name,
            "agent_job_key": job.agent_job_key, "device_id": target.id,
            "device_uri": target.device_uri,
            "job": {"username": job.username, "title": job.title, "copies": job.copies,
                    "duplex": job.duplex, "media": job.media, "pages": job.pages,
                    "color_pages": job.color_pages},
            **({"transforms": list(transforms)} if transforms else {})})
        devices.append_event_in(conn, job.agent_id, "move", {
            "job_id": job.id, "agent_job_key": job.agent_job_key, "token_id": claims.tid,
            "expires_at": claims.exp, "target_agent_id": target.agent_id,
            "device_id": target.id})
        return claims.tid
