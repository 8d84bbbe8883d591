"""A remote's ended jobs reach central's job log once each, with their origin site, state,
cost charged and job log, and charge nothing there: through a lost answer, a replay and
hostile bodies. Real databases (SQLite and PostgreSQL), central's real app over
in-process HTTP."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from printwarden.jobs.tables import jobs
from printwarden.ledger.tables import ledger_entries
from printwarden.remote.bootstrap import RemoteRole
from printwarden.sync import job_outbox
from tests.jobs.world import MONO_PAGE, World, make_world
from tests.sync.support import CENTRAL, Pair, pair

__all__ = ["pair"]


def _print(remote: RemoteRole, world: World, key: str, pages: int, *,
           end: str | None = "completed", username: str = "alice") -> str:
    agent = remote.container.devices.principal_for_agent_token(world.token)
    decision = remote.container.jobs.authorize(agent, world.request(key, pages=pages,
                                                                   username=username))
    if end is not None and decision.decision == "allow":
        remote.container.jobs.complete(agent, decision.job_id, status=end)
    return decision.job_id


def _central_jobs(p: Pair) -> list[tuple[str, str, str | None]]:
    return sorted((str(r[0]), str(r[1]), r[2]) for r in p.central.db.read(
        lambda conn: conn.execute(sa.select(jobs.c.id, jobs.c.state, jobs.c.origin_site))
        .all()))


def _admin(p: Pair) -> dict[str, str]:
    user = p.central.accounts.create_user("root", roles=("admin",), actor="t")
    token, _ = p.central.accounts.create_api_token(user.id, "t", actor="t")
    return {"Authorization": f"Bearer {token}"}


class CutJobAnswers(httpx.BaseTransport):
    """Forwards to central's app; the answer to the next ``lose`` job pushes is cut after
    central has handled them (a connection dropped mid-response)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.lose = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.lose and request.url.path.endswith("/sync/jobs"):
            self.lose -= 1
            response.read()
            raise httpx.ReadError("connection cut mid-response", request=request)
        return response


def test_a_job_ended_at_a_remote_appears_once_in_central_s_job_log(pair: Pair) -> None:
    world = make_world(pair.central)  # alice, 10.00 EUR
    transport = CutJobAnswers(pair.http._transport)
    remote = pair.remote(http=httpx.Client(transport=transport, base_url=CENTRAL))
    remote.puller.catch_up()
    printed = _print(remote, world, "printed", 4)
    failed = _print(remote, world, "failed", 2, end="failed")
    denied = _print(remote, world, "denied", 1, username="nobody")
    waiting = _print(remote, world, "waiting", 1, end=None)  # not ended: not sent
    pusher = remote.puller.pusher
    assert pusher is not None
    assert remote.container.db.read(job_outbox.pending_count) == 3
    sent = remote.container.db.read(lambda conn: job_outbox.unsent(conn, 10))
    transport.lose = 1
    with pytest.raises(httpx.ReadError):
        pusher.push_once()  # entries acked; the jobs recorded, their answer lost
    expected = sorted([(printed, "completed", "site-a"), (failed, "failed", "site-a"),
                       (denied, "denied", "site-a")])
    assert _central_jobs(pair) == expected
    assert remote.container.db.read(job_outbox.pending_count) == 3
    pusher.push_all()  # sent again: central has them
    assert remote.container.db.read(job_outbox.pending_count) == 0
    assert _central_jobs(pair) == expected
    assert waiting not in {job_id for job_id, _, _ in _central_jobs(pair)}
    replay = pair.http.post("/api/v1/sync/jobs", json={"jobs": sent}, headers={
        "Authorization": f"Bearer {remote.enrolment.token}"})
    assert replay.status_code == 200, replay.text
    assert (replay.json()["recorded"], replay.json()["duplicates"]) == (0, 3)
    assert _central_jobs(pair) == expected
    # central charged nothing for them: the remote's one charge came by the ledger outbox
    assert _site_entries(pair, [printed, failed, denied, waiting]) == [-4 * MONO_PAGE]
    admin = _admin(pair)
    answer = pair.http.get(f"/api/v1/jobs/{printed}", headers=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["origin_site"], body["state"], body["pages"]) == ("site-a", "completed", 4)
    assert body["charged_cost"]["minor"] == 4 * MONO_PAGE
    here = remote.container.jobs.job_events(printed)
    assert [(e["from_state"], e["to_state"]) for e in body["events"]] == [
        (None if e.from_state is None else e.from_state.value, e.to_state.value) for e in here]
    listed = pair.http.get("/api/v1/jobs", headers=admin).json()["items"]
    assert {j["id"]: j["origin_site"] for j in listed}[printed] == "site-a"


def _site_entries(p: Pair, job_ids: list[str]) -> list[int]:
    return sorted(int(r[0]) for r in p.central.db.read(lambda conn: conn.execute(
        sa.select(ledger_entries.c.amount_minor)
        .where(ledger_entries.c.job_id.in_(job_ids))).all()))
