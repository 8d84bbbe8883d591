"""Kiosk copy sessions over real SNMP (the test's agent on UDP) on SQLite and PostgreSQL:
charged exactly the delta at copy prices less the jobs released meanwhile, once, or
flagged for an operator with nothing charged."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta
from pathlib import Path

import pytest

from printwarden.core.errors import ConflictError, NotFoundError
from printwarden.db.engine import Database
from printwarden.devices.device_model import SNMP_PROFILE_NAMES
from printwarden.release.copy_charges import NothingToSpend
from printwarden.release.kiosk_copies import CopiesUnavailable, CountersUnreadable
from printwarden.release.kiosk_copy_model import snmp_host
from printwarden.release.snmp_profiles import PROFILES
from printwarden.server.scheduler import Scheduler
from tests.release.kiosk_copy_world import COPY_COLOR, COPY_MONO, IDLE_SECONDS, CopyWorld
from tests.release.kiosk_copy_world import build_copy_world as build
from tests.support.snmp_agent import SnmpAgent


@pytest.fixture
def cw(db: Database, tmp_path: Path, agent: SnmpAgent) -> CopyWorld:
    return build(db, tmp_path, agent)


def _reserved(cw: CopyWorld) -> int:
    return cw.world.balance()[1]


def _audited(cw: CopyWorld, action: str) -> list[dict[str, object]]:
    return [row for row in cw.server.audit.recent(50) if row["action"] == action]


def test_a_session_is_charged_exactly_the_delta_at_copy_prices(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    assert opened.state == "open" and opened.start_total == 10_000
    assert _reserved(cw) > 0  # what the user may spend is held while copying
    cw.copies(12, seconds=90)
    closed = copies.end(cw.user_id, cw.device(), opened.id)
    assert closed.state == "charged" and closed.close_reason == "ended"
    assert (closed.mono_pages, closed.colour_pages) == (12, 0)
    assert closed.charged_minor == 12 * COPY_MONO
    assert cw.charges() == [-12 * COPY_MONO]
    assert _reserved(cw) == 0
    assert _audited(cw, "copy.close")[0]["detail"]["device_pages"] == 12


def test_released_jobs_are_subtracted_and_colour_priced_with_a_colour_profile(
        cw: CopyWorld) -> None:
    cw.server.devices.update_device(cw.copier.id, {"snmp_profile": "hp-laserjet-colour"},
                                    actor="t")
    cw.printer.colour(2_000)
    decision = cw.server.jobs.authorize(cw.world.agent, cw.world.request(
        "held-1", queue="copier", pages=3, color_pages=1, copies=2))
    assert decision.decision == "hold"
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    alice = cw.server.accounts.principal_for_user(cw.user_id)
    assert alice is not None
    cw.clock.advance(timedelta(seconds=5))
    outcome, = cw.server.release.release(alice, cw.copier.id, [decision.job_id])
    assert outcome.ok, outcome.message
    before = cw.charges()
    cw.copies(6, colour=2, seconds=30)  # the job: 2 copies of 2 mono + 1 colour page
    cw.copies(10, colour=4, seconds=60)  # copies: 6 mono, 4 colour
    closed = copies.end(cw.user_id, cw.device(), opened.id)
    assert (closed.released_mono, closed.released_colour) == (4, 2)
    assert (closed.mono_pages, closed.colour_pages) == (6, 4)
    assert closed.charged_minor == 6 * COPY_MONO + 4 * COPY_COLOR
    assert cw.charges()[0] == -(6 * COPY_MONO + 4 * COPY_COLOR)
    assert len(cw.charges()) == len(before) + 1


def test_ending_twice_or_concurrently_charges_once(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    cw.copies(7)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: copies.end(cw.user_id, cw.device(), opened.id),
                                range(4)))
    again = copies.end(cw.user_id, cw.device(), opened.id)
    assert {r.charged_minor for r in [*results, again]} == {7 * COPY_MONO}
    assert cw.charges() == [-7 * COPY_MONO]
    assert len(_audited(cw, "copy.close")) == 1


def test_a_repeated_start_answers_the_open_session_and_another_user_is_refused(
        cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    first = copies.start(cw.user_id, cw.device())
    assert copies.start(cw.user_id, cw.device()).id == first.id
    bob = cw.server.accounts.create_user("bob", password="bob-pass-123", actor="t")
    cw.world.top_up(500, bob.id)
    with pytest.raises(ConflictError, match="another person"):
        copies.start(bob.id, cw.device())
    with pytest.raises(NotFoundError):  # bob cannot end alice's session
        copies.end(bob.id, cw.device(), first.id)
    assert copies.get(first.id).is_open
    assert _reserved(cw) > 0 and len(_audited(cw, "copy.kiosk_open")) == 1


def test_concurrent_starts_open_one_session_and_reserve_once(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(pool.map(lambda _: copies.start(cw.user_id, cw.device()), range(4)))
    assert len({s.id for s in sessions}) == 1
    assert _reserved(cw) == sessions[0].limit_minor


def test_a_session_of_another_device_or_a_hostile_id_reads_as_none(cw: CopyWorld) -> None:
    cw.server.devices.create_printer("annex", actor="t", agent_id=cw.world.agent.id,
                                     device_uri="ipp://127.0.0.1:9/annex",
                                     hold_for_release=True, owner_check="release")
    annex = cw.server.devices.find_device_by_name("annex")
    assert annex is not None
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    for bad in ("\u0665" * 26, "x" * 10_000, "", "' OR 1=1 --"):
        with pytest.raises(NotFoundError):
            copies.end(cw.user_id, cw.device(), bad)
    with pytest.raises(NotFoundError):
        copies.end(cw.user_id, annex, opened.id)
    assert copies.get(opened.id).is_open


def test_a_counter_reset_mid_session_is_flagged_and_nothing_charged(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    cw.printer.total(6)  # a new controller board; uptime goes on
    cw.copies(0, seconds=120)
    closed = copies.end(cw.user_id, cw.device(), opened.id)
    assert closed.state == "flagged" and closed.flag_reason == "counter-went-backwards"
    assert closed.charged_minor == 0 and (closed.end_total, closed.start_total) == (6, 10_000)
    assert cw.charges() == [] and _reserved(cw) == 0
    assert [f.id for f in copies.flags()] == [opened.id] and copies.count_flags() == 1
    assert _audited(cw, "copy.flag")[0]["detail"]["reason"] == "counter-went-backwards"


def test_a_reboot_mid_session_is_flagged(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    cw.copies(5, seconds=300)
    cw.printer.uptime(1_500)  # up 15 s: it restarted
    closed = copies.end(cw.user_id, cw.device(), opened.id)
    assert closed.flag_reason == "device-restarted" and cw.charges() == []


def test_a_counter32_wrap_is_charged_and_an_absurd_delta_flagged(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    cw.printer.total(2**32 - 5)
    opened = copies.start(cw.user_id, cw.device())
    cw.copies(9)
    wrapped = copies.end(cw.user_id, cw.device(), opened.id)
    assert wrapped.end_total == 4 and wrapped.charged_minor == 9 * COPY_MONO
    second = copies.start(cw.user_id, cw.device())
    cw.copies(5_000, seconds=60)  # 5000 pages in a minute: no copier does that
    absurd = copies.end(cw.user_id, cw.device(), second.id)
    assert absurd.flag_reason == "absurd-delta"
    assert cw.charges() == [-9 * COPY_MONO]


def test_an_agent_silent_at_the_end_is_flagged_reading_missing(
        cw: CopyWorld, agent: SnmpAgent) -> None:
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    cw.copies(3)
    agent.stop()
    closed = copies.end(cw.user_id, cw.device(), opened.id)
    assert closed.state == "flagged" and closed.flag_reason == "reading-missing"
    assert "127.0.0.1" in (closed.flag_detail or "") and closed.end_total is None
    assert cw.charges() == [] and _reserved(cw) == 0


def test_more_released_pages_than_the_delta_are_flagged(cw: CopyWorld) -> None:
    job = cw.server.jobs.authorize(cw.world.agent, cw.world.request(
        "big", queue="copier", pages=8)).job_id
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    alice = cw.server.accounts.principal_for_user(cw.user_id)
    assert alice is not None
    assert cw.server.release.release(alice, cw.copier.id, [job])[0].ok
    cw.copies(2)  # the job is still in the device: the counter moved 2 of its 8 pages
    closed = copies.end(cw.user_id, cw.device(), opened.id)
    assert closed.flag_reason == "released-exceed-delta" and closed.released_mono == 8
    assert cw.charges() == []


def test_an_unreachable_device_opens_no_session(cw: CopyWorld, agent: SnmpAgent) -> None:
    agent.stop()
    with pytest.raises(CountersUnreadable, match="no copy session was opened"):
        cw.server.kiosk_copies.start(cw.user_id, cw.device())
    assert _reserved(cw) == 0 and cw.server.kiosk_copies.open_for(
        cw.user_id, cw.copier.id) is None


def test_no_copies_without_snmp_or_with_a_terminal_or_without_money(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    assert copies.unavailable(cw.device()) is None
    off = cw.server.devices.update_device(cw.copier.id, {"snmp_enabled": False}, actor="t")
    assert "not read over SNMP" in (copies.unavailable(off) or "")
    with pytest.raises(CopiesUnavailable):
        copies.start(cw.user_id, off)
    usb = cw.server.devices.update_device(cw.copier.id, {
        "snmp_enabled": True, "device_uri": "usb://HP/LaserJet"}, actor="t")
    assert "no network address" in (copies.unavailable(usb) or "")
    on = cw.server.devices.update_device(cw.copier.id, {
        "device_uri": "ipp://127.0.0.1:9/ipp/print"}, actor="t")
    code, _ = cw.server.terminals.create_code(on.id, actor="t")
    cw.server.terminals.register(code, hostname="t", version="1")
    assert "its terminal" in (copies.unavailable(on) or "")
    poor = cw.server.accounts.create_user("poor", password="poor-pass-123", actor="t")
    side = cw.server.devices.create_device(
        "side", actor="t", device_uri="ipp://127.0.0.1:9/side", snmp_enabled=True,
        snmp_port=cw.copier.snmp_port)
    with pytest.raises(NothingToSpend):
        copies.start(poor.id, side)


def test_an_idle_session_is_closed_by_the_sweep_and_charged(cw: CopyWorld) -> None:
    copies = cw.server.kiosk_copies
    opened = copies.start(cw.user_id, cw.device())
    cw.copies(4, seconds=IDLE_SECONDS - 10)
    assert copies.sweep_idle() == 0
    assert copies.open_for(cw.user_id, cw.copier.id) is not None  # activity
    cw.copies(0, seconds=IDLE_SECONDS)
    assert copies.sweep_idle() == 1 and copies.sweep_idle() == 0
    closed = copies.get(opened.id)
    assert closed.close_reason == "idle" and closed.charged_minor == 4 * COPY_MONO


def test_the_devices_profile_names_are_the_shipped_profiles() -> None:
    assert set(SNMP_PROFILE_NAMES) == set(PROFILES)


@pytest.mark.parametrize(("uri", "host"), [
    ("ipp://10.0.0.50:631/ipp/print", "10.0.0.50"), ("socket://MFP.lan:9100", "mfp.lan"),
    ("ipps://[fd00::5]/ipp/print", "fd00::5"), ("lpd://printer/queue", "printer"),
    ("usb://HP/LaserJet", None), ("file:///dev/null", None), ("cups://queue", None),
    ("", None), ("ipp://[broken/ipp", None), ("ipp:///no-host", None),
])
def test_the_snmp_host_is_the_device_uris_network_host(uri: str, host: str | None) -> None:
    assert snmp_host(uri) == host


def test_the_schedulers_tick_closes_a_session_nobody_ended(cw: CopyWorld) -> None:
    opened = cw.server.kiosk_copies.start(cw.user_id, cw.device())
    cw.copies(6, seconds=IDLE_SECONDS + 1)
    assert Scheduler(cw.server, interval_seconds=60).tick()
    closed = cw.server.kiosk_copies.get(opened.id)
    assert closed.close_reason == "idle" and closed.charged_minor == 6 * COPY_MONO
    assert cw.charges() == [-6 * COPY_MONO]
