from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from printwarden.core.clock import FixedClock
from printwarden.core.errors import (
    AuthenticationFailed,
    ConflictError,
    NotFoundError,
    PrintwardenError,
    TooManyAttempts,
)
from printwarden.devices.service import DevicesService


def enrol(devices: DevicesService, name: str = "ps-1") -> tuple[str, str]:
    code, _ = devices.create_enrolment_code(actor="admin")
    agent, token = devices.register_agent(code, name=name, hostname="ps1.lan", version="0.1")
    return agent.id, token


def test_an_enrolment_code_is_human_typable_and_expires_in_a_day(
    devices: DevicesService, clock: FixedClock,
) -> None:
    code, record = devices.create_enrolment_code(actor="admin")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    assert record.expires_at == clock.now() + timedelta(hours=24)
    assert [c.id for c in devices.list_enrolment_codes()] == [record.id]


def test_registering_with_a_code_gives_an_agent_token_that_authenticates(
    devices: DevicesService,
) -> None:
    code, _ = devices.create_enrolment_code(actor="admin")
    agent, token = devices.register_agent(code.lower(), name="ps-1", hostname="ps1.lan",
                                          version="0.1")
    assert re.fullmatch(r"pwa_[A-Za-z0-9_-]{32}", token)
    principal = devices.principal_for_agent_token(token)
    assert (principal.kind, principal.id, principal.name) == ("agent", agent.id, "ps-1")
    assert principal.roles == frozenset({"agent"})
    assert devices.list_enrolment_codes()[0].used_by_agent_id == agent.id


def test_a_code_works_only_once(devices: DevicesService) -> None:
    code, _ = devices.create_enrolment_code(actor="admin")
    devices.register_agent(code, name="ps-1", hostname="h", version="1")
    with pytest.raises(AuthenticationFailed, match="already used"):
        devices.register_agent(code, name="ps-2", hostname="h", version="1")
    assert [a.name for a in devices.list_agents()] == ["ps-1"]


def test_two_registrations_racing_with_one_code_make_exactly_one_agent(
    devices: DevicesService,
) -> None:
    code, _ = devices.create_enrolment_code(actor="admin")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(name: str) -> None:
        barrier.wait()
        try:
            devices.register_agent(code, name=name, hostname="h", version="1")
            outcomes.append("won")
        except PrintwardenError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=register, args=(f"ps-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["AuthenticationFailed", "won"]
    assert len(devices.list_agents()) == 1


def test_an_expired_code_is_refused(devices: DevicesService, clock: FixedClock) -> None:
    code, _ = devices.create_enrolment_code(actor="admin", ttl=timedelta(hours=1))
    clock.advance(timedelta(hours=1))
    with pytest.raises(AuthenticationFailed, match="expired"):
        devices.register_agent(code, name="ps-1", hostname="h", version="1")


def test_an_unknown_code_is_refused(devices: DevicesService) -> None:
    with pytest.raises(AuthenticationFailed, match="unknown"):
        devices.register_agent("ABCD-EFGH", name="ps-1", hostname="h", version="1")


def test_a_code_made_for_an_agent_re_enrols_it_and_rotates_its_token(
        devices: DevicesService) -> None:
    first_id, old_token = enrol(devices)
    code, record = devices.create_enrolment_code(actor="admin", for_agent_id=first_id)
    assert record.for_agent_id == first_id
    agent, new_token = devices.register_agent(code, name="ps-1", hostname="h", version="2")
    assert agent.id == first_id and agent.version == "2"
    assert devices.principal_for_agent_token(new_token).id == first_id
    with pytest.raises(AuthenticationFailed):
        devices.principal_for_agent_token(old_token)


def test_a_plain_code_cannot_take_over_an_enrolled_agent_and_stays_unused(
        devices: DevicesService) -> None:
    agent_id, token = enrol(devices)
    code, _ = devices.create_enrolment_code(actor="admin")
    with pytest.raises(ConflictError, match=r"already enrolled.*--agent ps-1"):
        devices.register_agent(code, name="ps-1", hostname="evil", version="1")
    assert devices.principal_for_agent_token(token).id == agent_id  # still its token
    assert devices.get_agent(agent_id).hostname == "ps1.lan"
    fresh, _ = devices.register_agent(code, name="ps-2", hostname="h", version="1")
    assert fresh.id != agent_id  # the refused code was not spent


def test_a_code_made_for_one_agent_does_not_enrol_another_name(
        devices: DevicesService) -> None:
    first_id, _ = enrol(devices, "ps-1")
    enrol(devices, "ps-2")
    code, _ = devices.create_enrolment_code(actor="admin", for_agent_id=first_id)
    for name in ("ps-2", "ps-3"):
        with pytest.raises(ConflictError, match="made for agent 'ps-1'"):
            devices.register_agent(code, name=name, hostname="h", version="1")
    with pytest.raises(NotFoundError):
        devices.create_enrolment_code(actor="admin", for_agent_id="0" * 26)


def test_failed_registrations_are_throttled_per_source(devices: DevicesService) -> None:
    for _ in range(10):
        with pytest.raises(AuthenticationFailed, match="unknown"):
            devices.register_agent("ABCD-EFGH", name="x", hostname="h", version="1",
                                   source="10.6.6.6")
    code, _ = devices.create_enrolment_code(actor="admin")
    with pytest.raises(TooManyAttempts):
        devices.register_agent(code, name="x", hostname="h", version="1", source="10.6.6.6")
    agent, _ = devices.register_agent(code, name="x", hostname="h", version="1",
                                      source="10.1.1.1")
    assert agent.name == "x"


def test_a_revoked_agent_cannot_authenticate(devices: DevicesService) -> None:
    agent_id, token = enrol(devices)
    revoked = devices.revoke_agent(agent_id, actor="admin")
    assert revoked.status == "revoked"
    with pytest.raises(AuthenticationFailed, match="revoked"):
        devices.principal_for_agent_token(token)


def test_last_seen_is_written_at_most_once_a_minute(
    devices: DevicesService, clock: FixedClock,
) -> None:
    agent_id, token = enrol(devices)
    enrolled = devices.get_agent(agent_id).last_seen_at
    clock.advance(timedelta(seconds=30))
    devices.principal_for_agent_token(token)
    assert devices.get_agent(agent_id).last_seen_at == enrolled
    clock.advance(timedelta(seconds=31))
    devices.principal_for_agent_token(token)
    assert devices.get_agent(agent_id).last_seen_at == clock.now()
