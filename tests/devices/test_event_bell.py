"""The agent event bell: a commit that queues an event wakes that agent's waiters in this
process (from the writer's thread), never another agent's, never before the commit."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.engine import Connection

from printwarden.core.clock import FixedClock
from printwarden.core.event_bell import EventBell
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService
from tests.devices.test_agent_events import new_agent

#: Generous bound for a wake-up that should take microseconds: reaching it is a failure.
NEVER_SECONDS = 30.0


def test_a_ring_from_another_thread_wakes_the_waiter_on_its_loop() -> None:
    bell = EventBell()

    async def scenario() -> None:
        with bell.listen("A") as rung:
            ringer = threading.Thread(target=bell.ring, args=("A",))
            ringer.start()
            await asyncio.wait_for(rung.wait(), NEVER_SECONDS)
            ringer.join()

    asyncio.run(scenario())
    assert bell.listening("A") == 0  # the waiter is gone with its block


def test_a_ring_for_another_agent_wakes_no_one() -> None:
    bell = EventBell()

    async def scenario() -> tuple[bool, bool, bool]:
        with bell.listen("A") as rung_a, bell.listen("B") as rung_b:
            bell.ring("B")
            await asyncio.sleep(0)  # the loop runs what ``ring`` scheduled
            return rung_a.is_set(), rung_b.is_set(), bell.listening("A") == 1

    assert asyncio.run(scenario()) == (False, True, True)
    bell.ring("A")  # nobody listens: nothing to do, no error


def test_two_loops_waiting_for_one_agent_both_wake() -> None:
    bell = EventBell()
    ready = threading.Barrier(3)
    woke: list[str] = []

    def waiter(name: str) -> None:
        async def wait() -> None:
            with bell.listen("A") as rung:
                await asyncio.get_running_loop().run_in_executor(None, ready.wait)
                await asyncio.wait_for(rung.wait(), NEVER_SECONDS)
                woke.append(name)

        asyncio.run(wait())

    threads = [threading.Thread(target=waiter, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    ready.wait()
    bell.ring("A")
    for thread in threads:
        thread.join()
    assert sorted(woke) == ["one", "two"]


def test_an_event_written_in_a_worker_thread_rings_once_it_is_readable(
    db: Database, clock: FixedClock, devices: DevicesService,
) -> None:
    agent_id = new_agent(devices)
    other_id = devices.register_agent(devices.create_enrolment_code(actor="admin")[0],
                                      name="ps-2", hostname="h", version="1")[0].id

    async def scenario() -> tuple[list[str], bool]:
        loop = asyncio.get_running_loop()
        with devices.event_bell.listen(agent_id) as rung, \
                devices.event_bell.listen(other_id) as other:
            event = await loop.run_in_executor(
                None, devices.enqueue_event, agent_id, "release", {"job_id": "J1"})
            await asyncio.wait_for(rung.wait(), NEVER_SECONDS)
            await asyncio.sleep(0)
            seen = await loop.run_in_executor(None, devices.events_after, agent_id, None)
            assert event.id in [e.id for e in seen]
            return [e.kind for e in seen], other.is_set()

    kinds, other_rung = asyncio.run(scenario())
    assert kinds == ["release"]
    assert not other_rung


def test_an_event_in_a_transaction_that_rolls_back_rings_no_one(
    db: Database, clock: FixedClock, devices: DevicesService,
) -> None:
    agent_id = new_agent(devices)

    def write_then_fail() -> None:
        def work(conn: Connection) -> None:
            devices.append_event_in(conn, agent_id, "cancel", {"job_id": "J1"})
            raise RuntimeError("the rest of the use case failed")

        with pytest.raises(RuntimeError):
            db.write(work)

    async def scenario() -> bool:
        with devices.event_bell.listen(agent_id) as rung:
            await asyncio.get_running_loop().run_in_executor(None, write_then_fail)
            await asyncio.sleep(0)
            return rung.is_set()

    assert asyncio.run(scenario()) is False
    assert devices.events_after(agent_id, None) == []
