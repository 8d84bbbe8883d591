"""The kiosk (/kiosk/DEVICE) and mobile (/m/DEVICE) pages of a running demo, driven in
headless Chromium: a card typed by a keyboard-wedge reader signs in, a release reaches the
virtual printer through the real agent, the kiosk signs out by itself when idle, and a
kiosk of one device cannot release at another.

``PRINTWARDEN_DOC_SCREENSHOTS=1`` also writes the screenshots shown in docs/release.md
(phone 390x844 and tablet 1024x768) into docs/images/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from printwarden.demo.seed import DEMO_USERS
from tests.demo.test_demo import _admin_token, _print_to_release_queue, _ready_info, _wait_for
from tests.support.browser import chromium_page
from tests.support.postgres import free_ports
from tests.support.processes import Service

pytestmark = pytest.mark.browser

IDLE_SECONDS = 8
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("kiosk-demo")
    service = Service(["demo", "--data-dir", str(data_dir), "--port", str(free_ports(3))],
                      data_dir / "demo.log",
                      env={"PRINTWARDEN_KIOSK_IDLE_SECONDS": str(IDLE_SECONDS)})
    try:
        info = _ready_info(service, data_dir)
        info["admin_api"] = httpx.Client(
            base_url=info["server_url"],
            headers={"Authorization": f"Bearer {_admin_token(info)}"})
        yield info
    finally:
        service.stop()


def _user(name: str) -> Any:
    return next(user for user in DEMO_USERS if user.username == name)


def _job(demo: dict[str, Any], title: str) -> dict[str, Any] | None:
    found = [j for j in demo["admin_api"].get("/api/v1/jobs").json()["items"]
             if j["title"] == title]
    return found[0] if found else None


def _held(demo: dict[str, Any], tmp_path: Path, user: str, title: str) -> None:
    _print_to_release_queue(demo, tmp_path, user, title)
    _wait_for(lambda: (j := _job(demo, title)) is not None and j["state"] == "held")


def _shoot(page: Any, tmp_path: Path, name: str) -> None:
    """Screenshots at phone and tablet size; into docs/images/ when asked for."""
    for label, size in (("phone", PHONE), ("tablet", TABLET)):
        page.set_viewport_size(size)
        path = tmp_path / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        if os.environ.get("PRINTWARDEN_DOC_SCREENSHOTS") == "1":
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, DOC_IMAGES / path.name)


def test_a_card_at_the_kiosk_releases_to_the_printer_then_the_kiosk_signs_out_alone(
        demo: dict[str, Any], tmp_path: Path) -> None:
    _held(demo, tmp_path, "alice", "kiosk e2e one")
    _held(demo, tmp_path, "alice", "kiosk e2e two")
    kiosk = demo["server_url"] + "/kiosk/virtual"
    with chromium_page(viewport=TABLET) as page:
        page.goto(kiosk)
        page.wait_for_selector("[data-testid=card]:focus")
        _shoot(page, tmp_path, "kiosk-sign-in")
        page.keyboard.type(_user("alice").card)  # what a keyboard-wedge reader does
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=signed-in]")
        listing = page.text_content("[data-testid=held-jobs]") or ""
        assert "kiosk e2e one" in listing and "kiosk e2e two" in listing and "EUR" in listing
        _shoot(page, tmp_path, "kiosk")
        page.set_viewport_size(TABLET)
        page.check("label:has-text('kiosk e2e one') input")
        page.click("[data-testid=release]")
        outcome = page.text_content("[data-testid=outcome]") or ""
        assert outcome.startswith("released at virtual"), outcome
        # no touch for the idle time: back to the sign-in screen, by itself
        page.wait_for_selector("[data-testid=sign-in]", timeout=(IDLE_SECONDS + 30) * 1000)
        page.reload()
        assert page.locator("[data-testid=signed-in]").count() == 0
    done = _wait_for(lambda: (j := _job(demo, "kiosk e2e one")) is not None
                     and j["state"] == "completed" and j)
    assert done["username"] == "alice" and done["charged_cost"]["minor"] > 0
    assert (_job(demo, "kiosk e2e two") or {})["state"] == "held"


def test_a_kiosk_signed_in_at_one_device_cannot_release_at_another(
        demo: dict[str, Any], tmp_path: Path) -> None:
    api = demo["admin_api"]
    virtual = next(d for d in api.get("/api/v1/devices").json()["items"]
                   if d["name"] == "virtual")
    made = api.post("/api/v1/devices", json={
        "name": "annex", "agent_id": virtual["agent_id"], "location": "Annex",
        "device_uri": "ipp://127.0.0.1:9/ipp/print"})
    assert made.status_code == 201, made.text
    _held(demo, tmp_path, "bob", "kiosk e2e bound")
    with chromium_page(viewport=TABLET) as page:
        page.goto(demo["server_url"] + "/kiosk/virtual")
        page.click("summary:has-text('ID number')")
        page.fill("[data-testid=id-number]", _user("bob").id_number)
        page.click("[data-testid=id-submit]")
        page.wait_for_selector("[data-testid=signed-in]")
        token = page.get_attribute("form[action$='/jobs'] input[name=csrf]", "value")
        page.goto(demo["server_url"] + "/kiosk/annex")
        assert page.locator("[data-testid=sign-in]").count() == 1
        forged = page.request.post(demo["server_url"] + "/kiosk/annex/jobs",
                                   form={"action": "release", "csrf": token or ""})
        assert forged.status == 401
    assert (_job(demo, "kiosk e2e bound") or {})["state"] == "held"


def test_the_phone_page_signs_in_and_releases_to_its_device(
        demo: dict[str, Any], tmp_path: Path) -> None:
    _held(demo, tmp_path, "carol", "mobile e2e")
    with chromium_page(viewport=PHONE, is_mobile=True, has_touch=True) as page:
        page.goto(demo["server_url"] + "/m/virtual")
        page.fill("[data-testid=username]", "carol")
        page.fill("[data-testid=password]", "wrong password")
        page.click("[data-testid=sign-in-submit]")
        assert "invalid credentials" in (page.text_content("[data-testid=error]") or "")
        page.fill("[data-testid=password]", _user("carol").password)
        page.click("[data-testid=sign-in-submit]")
        page.wait_for_selector("[data-testid=signed-in]")
        assert "mobile e2e" in (page.text_content("[data-testid=held-jobs]") or "")
        _shoot(page, tmp_path, "mobile")
        page.set_viewport_size(PHONE)
        page.check("label:has-text('mobile e2e') input")
        page.tap("[data-testid=release]")
        outcome = page.text_content("[data-testid=outcome]") or ""
        assert outcome.startswith("released at virtual"), outcome
    done = _wait_for(lambda: (j := _job(demo, "mobile e2e")) is not None
                     and j["state"] == "completed" and j)
    assert done["username"] == "carol" and done["charged_cost"]["minor"] > 0
