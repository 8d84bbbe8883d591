"""A held-job listing priced for a device costs a fixed number of SQL statements,
whatever the number of jobs: the price list, the queue and its devices are read once per
listing, not once per job (a user at the 500-job cap used to cost 505 statements)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from printwarden.container import ServerContainer
from tests.jobs.world import MONO_PAGE
from tests.release.terminal_world import make_terminal_world


def _statements(server: ServerContainer, work: Callable[[], object]) -> int:
    count = 0

    def one(*_: object) -> None:
        nonlocal count
        count += 1

    sa.event.listen(server.db.engine, "before_cursor_execute", one)
    try:
        work()
    finally:
        sa.event.remove(server.db.engine, "before_cursor_execute", one)
    return count


def test_a_priced_listing_reads_the_same_whatever_the_number_of_jobs(
        server: ServerContainer) -> None:
    tw = make_terminal_world(server)
    user, device = tw.world.user_id, tw.vault.id
    for n in range(3):
        tw.hold(f"few-{n}")
    few = _statements(server, lambda: server.release.held_jobs(user, device_id=device))
    for n in range(30):
        tw.hold(f"many-{n}")
    listed = server.release.held_jobs(user, device_id=device)
    many = _statements(server, lambda: server.release.held_jobs(user, device_id=device))
    assert len(listed) == 33 and all(job.cost is not None for job in listed)
    assert {job.cost.minor for job in listed if job.cost} == {3 * MONO_PAGE}
    assert many == few, f"{few} statements for 3 jobs, {many} for 33"
