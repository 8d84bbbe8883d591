"""The admin pages in headless Chromium over a real server socket (SQLite): sign in,
create a device with SNMP on from the form, see it listed with SNMP on, add it to a
release group, enrol a terminal (the code shows once)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agent.support import LiveServer
from tests.support.browser import chromium_page
from tests.support.databases import SqliteFactory
from tests.web.device_pages_world import DeviceWorld, build_device_world

pytestmark = pytest.mark.browser


@pytest.fixture
def live(sqlite_factory: SqliteFactory, tmp_path: Path) -> Iterator[tuple[DeviceWorld,
                                                                          LiveServer]]:
    db = sqlite_factory.new()
    dw = build_device_world(db, tmp_path)
    dw.server.accounts.create_user("root", password="root-pass-12", roles=["admin"],
                                   actor="t")
    server = LiveServer(dw.server)
    server.start()
    try:
        yield dw, server
    finally:
        server.stop()
        db.dispose()


def test_an_admin_manages_devices_groups_and_terminals_in_a_browser(
        live: tuple[DeviceWorld, LiveServer]) -> None:
    dw, server = live
    with chromium_page() as page:
        browser: Any = page
        browser.goto(server.url + "/login")
        browser.fill("#username", "root")
        browser.fill("#password", "root-pass-12")
        browser.click("button[type=submit]")
        browser.wait_for_url(server.url + "/")
        browser.click("[data-testid=admin-devices-link]")
        browser.click("[data-testid=new-device]")
        browser.fill("#name", "lobby")
        browser.fill("#device_uri", "ipp://lobby.lan/ipp/print")
        browser.check("input[name=snmp_enabled]")
        browser.fill("#snmp_port", "1161")
        browser.fill("#snmp_community", "s3cret")
        browser.click("[data-testid=save-device]")
        browser.wait_for_selector("[data-testid=saved]")
        browser.goto(server.url + "/admin/devices")
        row = browser.inner_text("[data-device=lobby]")
        assert "on (port 1161)" in row

        browser.goto(server.url + "/admin/release-groups")
        browser.select_option("[data-group=vault] select[name=device_id]", label="lobby")
        browser.click("[data-testid=add-to-vault]")
        browser.wait_for_selector("[data-group=vault] [data-testid=remove-lobby]")

        browser.goto(server.url + "/admin/terminals")
        browser.select_option("#device_id", label="annex")
        browser.click("[data-testid=create-code]")
        code = browser.inner_text("[data-testid=new-code]")
        browser.goto(server.url + "/admin/terminals")
        assert code not in browser.content()

    device = dw.server.devices.find_device_by_name("lobby")
    assert device is not None and device.snmp_enabled and device.snmp_community == "s3cret"
    group = dw.server.devices.find_release_group_by_name("vault")
    assert group is not None and device.id in group.device_ids
    assert re.fullmatch(r"\S{8,}", code)
    terminal, _ = dw.server.terminals.register(code, hostname="t1", version="1")
    assert terminal.device_id == dw.annex.id
