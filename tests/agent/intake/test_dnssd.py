"""DNS-SD: the records of each queue, and a real registration browsed on loopback."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from printwarden.agent.intake.dnssd import SUBTYPES, Advertiser, queue_uuid, service_records
from printwarden.agent.queues import QueueConfig


def test_each_advertised_queue_gets_the_ipp_everywhere_txt_keys(tmp_path: Path) -> None:
    queues = [QueueConfig("office", description="Office printer", location="Floor 2",
                          owner_check="trusted-network"),
              QueueConfig("secure", owner_check="authenticate"),
              QueueConfig("hidden", advertise=False)]
    records = service_records(queues, data_dir=tmp_path, admin_host="agent", port=8631,
                              tls=False)
    assert [r.instance for r in records] == ["Office printer", "secure"]
    office, secure = (r.txt() for r in records)
    assert records[0].type_ == "_ipp._tcp.local."
    assert records[0].port == 8631
    assert office["rp"] == "ipp/print/office"
    assert office["note"] == "Floor 2"
    assert office["pdl"] == "application/pdf,image/pwg-raster,image/urf,image/jpeg"
    assert office["air"] == "none" and secure["air"] == "username,password"
    assert office["UUID"] == queue_uuid(tmp_path, "office") != secure["UUID"]
    assert office["adminurl"] == "http://agent:8631/ipp/print/office"
    assert "TLS" not in office
    assert {"txtvers", "qtotal", "ty", "product", "Color", "Duplex", "URF", "kind",
            "PaperMax"} <= set(office)

    tls = service_records(queues, data_dir=tmp_path, admin_host="agent", port=8631, tls=True)
    assert {r.type_ for r in tls} == {"_ipps._tcp.local."}
    assert tls[0].txt()["TLS"] == "1.2"
    assert tls[0].txt()["adminurl"].startswith("https://")


def test_queue_uuid_is_stable_per_agent_and_queue(tmp_path: Path) -> None:
    assert queue_uuid(tmp_path, "q") == queue_uuid(tmp_path / ".", "q")
    assert queue_uuid(tmp_path, "q") != queue_uuid(tmp_path / "other", "q")


async def _resolve(zc: AsyncZeroconf, name: str) -> AsyncServiceInfo | None:
    info = AsyncServiceInfo("_ipp._tcp.local.", name)
    return info if await info.async_request(zc.zeroconf, 3000) else None


def test_the_advertiser_registers_follows_and_withdraws_queues(tmp_path: Path) -> None:
    queues = [QueueConfig("dnssd-a", owner_check="trusted-network"),
              QueueConfig("dnssd-b", owner_check="authenticate")]

    async def scenario() -> None:
        advertiser = Advertiser(queues=lambda: list(queues), data_dir=tmp_path,
                                host="127.0.0.1", port=18631, tls=False, poll_seconds=3600)
        browser = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        await advertiser.start()
        try:
            await advertiser.sync()
            found = await _resolve(browser, "dnssd-b._ipp._tcp.local.")
            assert found is not None
            assert found.port == 18631
            assert found.properties[b"rp"] == b"ipp/print/dnssd-b"
            assert found.properties[b"air"] == b"username,password"
            assert "127.0.0.1" in found.parsed_addresses()

            queues[0] = QueueConfig("dnssd-a", advertise=False)
            await advertiser.sync()
            assert sorted(advertiser.registered) == ["dnssd-b._ipp._tcp.local."]
        finally:
            await advertiser.stop()
            await browser.async_close()
        assert not advertiser.registered

    asyncio.run(asyncio.wait_for(scenario(), 60))


def _avahi_browse(service_type: str, name: str, timeout: float = 30) -> list[list[str]]:
    """Resolved services of ``service_type`` as avahi (an independent mDNS stack) sees
    them, read as they come until ``name`` is among them (a stale service another process
    left behind makes ``--terminate`` wait for its resolver to time out)."""
    browse = subprocess.Popen(["avahi-browse", "--resolve", "--parsable", service_type],
                              stdout=subprocess.PIPE, text=True)
    rows: list[list[str]] = []
    found = threading.Event()

    def read() -> None:
        assert browse.stdout is not None
        for line in browse.stdout:
            if line.startswith("="):
                rows.append(line.rstrip("\n").split(";"))
                if rows[-1][3] == name:
                    found.set()  # and go on reading: anything else there shows too

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        found.wait(timeout)
        time.sleep(0.5)  # a hidden queue, if it were published, would show by now too
    finally:
        browse.kill()
        browse.wait()
    return list(rows)


def test_ipp_everywhere_and_airprint_clients_find_queues_by_subtype(
        tmp_path: Path, dns_sd: None) -> None:
    """iOS browses ``_universal._sub._ipp._tcp``, IPP Everywhere clients ``_print._sub``."""
    assert shutil.which("avahi-browse"), "avahi-browse missing: apt-get install avahi-utils"
    name = f"sub-{os.getpid()}"
    queues = [QueueConfig(name), QueueConfig(f"{name}-hidden", advertise=False)]

    async def scenario() -> dict[str, list[list[str]]]:
        advertiser = Advertiser(queues=lambda: list(queues), data_dir=tmp_path,
                                host="127.0.0.1", port=18632, tls=False, poll_seconds=3600)
        await advertiser.start()
        try:
            await advertiser.sync()
            seen: dict[str, list[list[str]]] = {}
            for subtype in SUBTYPES:
                kind = f"{subtype}._sub._ipp._tcp"
                seen[kind] = await asyncio.to_thread(_avahi_browse, kind, name)
            return seen
        finally:
            await advertiser.stop()

    seen = asyncio.run(asyncio.wait_for(scenario(), 300))

    for kind, rows in seen.items():
        ours = [row for row in rows if row[3] == name]
        assert ours, f"{name} not found browsing {kind}: {rows}"
        assert all(row[8] == "18632" and f'"rp=ipp/print/{name}"' in row[9] for row in ours)
        assert not [row for row in rows if row[3] == f"{name}-hidden"]
