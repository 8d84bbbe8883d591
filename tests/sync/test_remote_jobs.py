"""A remote's ended jobs reach central's job log once each, with their origin site, state,
cost charged and job log, and charge nothing there: through a lost answer, a replay and
hostile bodies. Real databases (SQLite and PostgreSQL), central's real app over
in-process HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa

from printwarden.jobs.tables import jobs
from printwarden.ledger.tables import ledger_entries, ledger_reservations
from printwarden.remote.bootstrap import RemoteRole
from printwarden.sync import job_outbox
from tests.jobs.world import MONO_PAGE, World, make_world
from tests.sync.support import CENTRAL, Pair, pair
from tests.sync.test_outbox import LoseAnswers

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


def test_a_job_ended_at_a_remote_appears_once_in_central_s_job_log(pair: Pair) -> None:
    world = make_world(pair.central)  # alice, 10.00 EUR
    transport = LoseAnswers(pair.http._transport, "/sync/jobs")
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
    page = pair.http.get("/", headers=admin)
    assert page.status_code == 200 and 'data-testid="job-site">site-a<' in page.text


def _site_entries(p: Pair, job_ids: list[str]) -> list[int]:
    return sorted(int(r[0]) for r in p.central.db.read(lambda conn: conn.execute(
        sa.select(ledger_entries.c.amount_minor)
        .where(ledger_entries.c.job_id.in_(job_ids))).all()))


def test_hostile_job_pushes_are_refused_or_kept_as_problems(pair: Pair) -> None:
    world = make_world(pair.central)
    remote = pair.remote()
    remote.puller.catch_up()
    job_id = _print(remote, world, "printed", 1)
    base = remote.container.db.read(lambda conn: job_outbox.unsent(conn, 10))[0]
    auth = {"Authorization": f"Bearer {remote.enrolment.token}"}

    def push(jobs_: list[dict[str, object]], headers: dict[str, str] | None = None
             ) -> httpx.Response:
        return pair.http.post("/api/v1/sync/jobs", json={"jobs": jobs_},
                              headers=auth if headers is None else headers)

    assert push([base], headers={}).status_code == 401
    assert push([base], headers=_admin(pair)).status_code == 403
    for bad in ({"state": "printing"}, {"pages": "5"}, {"pages": 2**40},
                {"charged_cost_minor": 10**16}, {"created_at": "2026-03-02T08:00:00"},
                {"id": "../../etc"}, {"extra": 1}, {"events": [{"to_state": "gone",
                                                                "at": base["created_at"]}]}):
        answer = push([{**base, **bad}])
        assert answer.status_code == 422, (bad, answer.text)
        assert "message" in answer.json()
    assert push([base, base]).status_code == 422  # one job twice
    assert push([{**base, "id": f"J{n:025d}"} for n in range(501)]).status_code == 422
    assert _central_jobs(pair) == []
    # central's own job (its id, or its agent's job key) is never overwritten
    agent = pair.central.devices.principal_for_agent_token(world.token)
    own = pair.central.jobs.authorize(agent, world.request("central-1", pages=1)).job_id
    spoofed = [{**base, "id": own},
               {**base, "id": "01HZX0000000000000000000K1", "agent_job_key": "central-1"},
               {**base, "id": "01HZX0000000000000000000Q1", "printer_id": "0" * 26}]
    answer = push(spoofed)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["recorded"], answer.json()["problems"]) == (0, 3)
    again = push(spoofed)
    assert (again.json()["duplicates"], again.json()["problems"]) == (3, 0)
    assert sorted((p.idempotency_key, p.reason) for p in pair.central.reconciler.problems()) \
        == sorted([(f"job:{own}", "job_conflict"),
                   ("job:01HZX0000000000000000000K1", "job_conflict"),
                   ("job:01HZX0000000000000000000Q1", "unknown_queue")])
    assert _central_jobs(pair) == [(own, "authorized", None)]
    assert push([base]).json()["recorded"] == 1
    assert (job_id, "completed", "site-a") in _central_jobs(pair)


def test_a_refused_job_push_holds_back_neither_the_entries_nor_the_pull(pair: Pair) -> None:
    world = make_world(pair.central)
    remote = pair.remote()
    remote.puller.catch_up()
    job_id = _print(remote, world, "printed", 2)
    remote.container.db.write(lambda conn: conn.execute(  # a record central refuses (422)
        jobs.update().where(jobs.c.id == job_id).values(copies=-1)))
    pusher = remote.puller.pusher
    assert pusher is not None
    pusher.push_all()
    remote.puller.catch_up()
    assert pusher.pending() == 0  # the charge reached central...
    assert _site_entries(pair, [job_id]) == [-2 * MONO_PAGE]
    assert remote.container.db.read(job_outbox.pending_count) == 1  # ...the job waits
    assert _central_jobs(pair) == []
    remote.container.db.write(lambda conn: conn.execute(
        jobs.update().where(jobs.c.id == job_id).values(copies=1)))
    pusher.push_all()
    assert _central_jobs(pair) == [(job_id, "completed", "site-a")]


def _reservation_status(p: Pair, job_id: str) -> str:
    return str(p.central.db.read(lambda conn: conn.execute(
        sa.select(ledger_reservations.c.status)
        .where(ledger_reservations.c.job_id == job_id)).scalar_one()))


def test_a_print_authorized_at_both_servers_ends_once_charged_once(pair: Pair) -> None:
    """An agent whose authorize reached central but whose answer did not asks the remote
    with the same job key, prints and reports there: central's own job (held money, not
    printed) takes the remote's ending and releases its reservation; one charge, the
    remote's. A replay is a duplicate."""
    world = make_world(pair.central)
    remote = pair.remote()
    remote.puller.catch_up()
    agent = pair.central.devices.principal_for_agent_token(world.token)
    own = pair.central.jobs.authorize(agent, world.request("twin", pages=3)).job_id
    assert _reservation_status(pair, own) == "open"
    at_remote = _print(remote, world, "twin", 3)
    assert at_remote != own
    sent = remote.container.db.read(lambda conn: job_outbox.unsent(conn, 10))
    pusher = remote.puller.pusher
    assert pusher is not None
    pusher.push_all()
    assert _central_jobs(pair) == [(own, "completed", "site-a")]
    job = pair.central.jobs.get_job(own)
    assert (job.pages, job.charged_cost_minor) == (3, 3 * MONO_PAGE)
    assert "site-a" in job.state_reason and at_remote in job.state_reason
    assert _reservation_status(pair, own) == "released"
    assert _site_entries(pair, [own, at_remote]) == [-3 * MONO_PAGE]
    assert pair.central.reconciler.problems() == []
    replay = pair.http.post("/api/v1/sync/jobs", json={"jobs": sent}, headers={
        "Authorization": f"Bearer {remote.enrolment.token}"})
    assert (replay.json()["recorded"], replay.json()["duplicates"]) == (0, 1)
    assert _site_entries(pair, [own, at_remote]) == [-3 * MONO_PAGE]
    assert _reservation_status(pair, own) == "released"


def test_a_twin_that_ended_unprinted_at_the_remote_leaves_central_s_job_alone(
        pair: Pair) -> None:
    world = make_world(pair.central)
    remote = pair.remote()
    remote.puller.catch_up()
    agent = pair.central.devices.principal_for_agent_token(world.token)
    own = pair.central.jobs.authorize(agent, world.request("twin", pages=2)).job_id
    _print(remote, world, "twin", 2, end="cancelled")
    pusher = remote.puller.pusher
    assert pusher is not None
    pusher.push_all()
    assert _central_jobs(pair) == [(own, "authorized", None)]
    assert _reservation_status(pair, own) == "open"
    assert pair.central.reconciler.problems() == []
    pair.central.jobs.complete(agent, own, status="completed")  # the agent followed central
    assert _site_entries(pair, [own]) == [-2 * MONO_PAGE]


class EndsDuringEntriesPush(httpx.BaseTransport):
    """Forwards to central's app; while the next push of ledger entries is on its way,
    ``during`` runs once (a job ending at the remote between the two pushes of a round)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.during: Callable[[], object] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.during is not None and request.url.path.endswith("/sync/outbox"):
            during, self.during = self.during, None
            during()
        return self.inner.handle_request(request)


def test_a_twin_that_ends_while_the_entries_are_pushed_is_settled_once_its_charge_came(
        pair: Pair) -> None:
    """Seed 295 of the remote chaos run: the remote's twin completed (its charge committed
    with its ending) after the round's entries were read, before its jobs were: central
    got the completed job without its charge and kept it as a problem, leaving its own
    job held. The jobs of a round are read before its entries, so a job goes only after
    its charge."""
    world = make_world(pair.central)
    transport = EndsDuringEntriesPush(pair.http._transport)
    remote = pair.remote(http=httpx.Client(transport=transport, base_url=CENTRAL))
    remote.puller.catch_up()
    agent = pair.central.devices.principal_for_agent_token(world.token)
    own = pair.central.jobs.authorize(agent, world.request("twin", pages=2)).job_id
    _print(remote, world, "before", 1)  # an entry to push, so the round pushes entries
    at_remote = _print(remote, world, "twin", 2, end=None)
    remote_agent = remote.container.devices.principal_for_agent_token(world.token)
    transport.during = lambda: remote.container.jobs.complete(remote_agent, at_remote,
                                                              status="completed")
    pusher = remote.puller.pusher
    assert pusher is not None
    pusher.push_once()
    assert transport.during is None  # it ended during that push
    pusher.push_all()
    assert pair.central.reconciler.problems() == []
    job = pair.central.jobs.get_job(own)
    assert (job.state.value, job.origin_site, job.charged_cost_minor) == (
        "completed", "site-a", 2 * MONO_PAGE)
    assert _reservation_status(pair, own) == "released"
    assert _site_entries(pair, [own, at_remote]) == [-2 * MONO_PAGE]
    assert remote.container.db.read(job_outbox.pending_count) == 0
