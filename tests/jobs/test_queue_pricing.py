"""A job is priced for the device that prints it; a release queue's job is reserved at the
dearest device of its release group."""

from __future__ import annotations

from printwarden.core.money import Money
from printwarden.core.pricing import PriceRule
from tests.jobs.world import MONO_PAGE, World


def price_list(world: World, name: str, per_page: int, currency: str = "EUR") -> str:
    return world.server.ledger.create_price_list(
        name, currency=currency, actor="test",
        rules=(PriceRule(color="mono", per_page_minor=per_page),)).id


def release_queue(world: World, *device_names: str) -> str:
    """A release queue 'secure' on the agent, releasing at the named (new) devices."""
    devices = world.server.devices
    ids = [devices.create_device(name, actor="test", agent_id=world.agent.id,
                                 price_list_id=None).id for name in device_names]
    group = devices.create_release_group("floor", actor="test", device_ids=ids)
    devices.create_queue("secure", actor="test", kind="release", release_group_id=group.id,
                         agent_id=world.agent.id, owner_check="release")
    return group.id


def test_a_direct_queues_job_is_priced_at_its_device(world: World) -> None:
    dear = price_list(world, "dear", 11)
    world.server.devices.update_device(world.queue.device_id or "", {"price_list_id": dear},
                                       actor="test")
    decision = world.server.jobs.authorize(world.agent, world.request(pages=3))
    assert decision.cost is not None and decision.cost.total == Money(33, "EUR")
    done = world.server.jobs.complete(world.agent, decision.job_id, status="completed")
    assert done.charged == Money(33, "EUR")


def test_a_release_queues_job_is_reserved_at_the_dearest_device_of_its_group(
        world: World) -> None:
    release_queue(world, "cheap", "dear", "plain")
    devices = world.server.devices
    for name, per_page in (("cheap", 2), ("dear", 9)):
        device = devices.find_device_by_name(name)
        assert device is not None
        devices.update_device(device.id, {"price_list_id": price_list(world, name, per_page)},
                              actor="test")
    decision = world.server.jobs.authorize(world.agent, world.request(pages=4,
                                                                      queue="secure"))
    assert decision.decision == "hold"
    assert decision.cost is not None and decision.cost.total == Money(4 * 9, "EUR")
    assert world.balance() == (1000, 36)  # reserved: a release at any device is covered
    done = world.server.jobs.complete(world.agent, decision.job_id, status="completed")
    assert done.charged == Money(36, "EUR")  # until release picks a device: the same
    assert world.balance() == (1000 - 36, 0)


def test_the_default_list_prices_a_group_without_lists(world: World) -> None:
    release_queue(world, "a", "b")
    decision = world.server.jobs.authorize(world.agent, world.request(pages=2,
                                                                      queue="secure"))
    assert decision.cost is not None and decision.cost.total.minor == 2 * MONO_PAGE


def test_a_disabled_device_takes_no_job_but_a_printed_one_is_still_charged(
        world: World) -> None:
    devices, jobs = world.server.devices, world.server.jobs
    first = jobs.authorize(world.agent, world.request("before"))
    devices.update_device(world.queue.device_id or "", {"enabled": False}, actor="test")
    refused = jobs.authorize(world.agent, world.request("after"))
    assert (refused.decision, refused.message) == ("deny", "Printer 'hall' is disabled.")
    assert jobs.complete(world.agent, first.job_id, status="completed").charged.minor == 15


def test_a_group_whose_lists_drifted_apart_in_currency_denies_instead_of_guessing(
        world: World) -> None:
    release_queue(world, "a", "b")
    device = world.server.devices.find_device_by_name("b")
    assert device is not None
    # the check at write time holds the currencies together; a new default list in
    # another currency can still split them (device 'a' uses the default)
    world.server.devices.update_device(device.id, {"price_list_id": price_list(world, "eu", 3)},
                                       actor="test")
    world.server.ledger.create_price_list("francs", currency="CHF", default=True,
                                          actor="test")
    decision = world.server.jobs.authorize(world.agent, world.request(queue="secure"))
    assert decision.decision == "deny"
    assert "price in CHF and EUR" in decision.message
    assert world.balance() == (1000, 0)
