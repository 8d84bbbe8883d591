"""DNS-SD (Bonjour / mDNS) advertising of the agent's queues, IPP Everywhere style.

    advertiser = Advertiser(settings, queues=lambda: [...QueueConfig...], tls=False)
    await advertiser.start(); ...; await advertiser.stop()

Each queue with ``advertise`` on is registered as ``_ipp._tcp`` (``_ipps._tcp`` when the
listener speaks TLS: the one port then only speaks TLS) with the IPP Everywhere TXT keys
(``service_records`` builds them, a pure function), and answers PTR queries for the
``_print`` (IPP Everywhere) and ``_universal`` (AirPrint) subtypes of its type (RFC 6763
section 7.1), which is how iOS and macOS find driverless printers. A background task
re-registers when the queue set or a queue changes; ``stop`` unregisters everything.
Multicast trouble is logged as a warning and never stops the agent.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import zeroconf
from zeroconf import InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from printwarden.agent.queues import QueueConfig
from printwarden.core.tasks import cancel_and_wait

__all__ = ["PDL", "SUBTYPES", "URF", "Advertiser", "ServiceRecord", "queue_uuid", "service_records",
           "txt_record"]

log = logging.getLogger(__name__)
PDL = "application/pdf,image/pwg-raster,image/urf,image/jpeg"
URF = "V1.4,CP1,DM1,IS1,MT1-2,RS300-600,SRGB24,W8"
MAKE_AND_MODEL = "printwarden Agent Queue"
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_MAX_LABEL = 63
#: RFC 6763 section 7.1 subtypes browsed by IPP Everywhere (``_print``) and AirPrint
#: (``_universal``) clients.
SUBTYPES = ("_print", "_universal")
_all_addresses: Callable[[], list[str]] = zeroconf.get_all_addresses  # type: ignore[attr-defined]


def queue_uuid(data_dir: Path, queue: str) -> str:
    """The queue's printer-uuid (bare): stable for one agent data directory and queue."""
    seed = f"printwarden-agent:{data_dir.resolve()}:{queue}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


@dataclass(frozen=True)
class ServiceRecord:
    """One DNS-SD service to register: ``type_`` like ``_ipp._tcp.local.``."""

    type_: str
    instance: str
    port: int
    properties: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        return f"{self.instance}.{self.type_}"

    def txt(self) -> dict[str, str]:
        return dict(self.properties)

    def subtype_names(self) -> list[str]:
        """The subtype service types, e.g. ``_print._sub._ipp._tcp.local.``."""
        return [f"{subtype}._sub.{self.type_}" for subtype in SUBTYPES]


def _instance_name(config: QueueConfig) -> str:
    label = (config.description.strip() or config.name).replace(".", " ")
    encoded = label.encode()[:_MAX_LABEL]
    return encoded.decode("utf-8", errors="ignore").strip() or config.name


def txt_record(config: QueueConfig, *, data_dir: Path, admin_host: str, port: int,
               tls: bool) -> dict[str, str]:
    """The IPP Everywhere TXT keys of ``config``'s queue."""
    scheme = "https" if tls else "http"
    txt = {
        "txtvers": "1",
        "qtotal": "1",
        "rp": f"ipp/print/{config.name}",
        "ty": MAKE_AND_MODEL,
        "note": config.location or "printwarden agent",
        "product": "(printwarden)",
        "pdl": PDL,
        "Color": "T",
        "Duplex": "T",
        "URF": URF,
        "UUID": queue_uuid(data_dir, config.name),
        "air": "username,password" if config.require_auth else "none",
        "adminurl": f"{scheme}://{admin_host}:{port}/ipp/print/{config.name}",
        "kind": "document",
        "PaperMax": "legal-A4",
        "priority": "0",
    }
    if tls:
        txt["TLS"] = "1.2"
    return txt


def service_records(queues: Iterable[QueueConfig], *, data_dir: Path, admin_host: str,
                    port: int, tls: bool) -> list[ServiceRecord]:
    """The services to register for ``queues`` (those with ``advertise`` on)."""
    type_ = "_ipps._tcp.local." if tls else "_ipp._tcp.local."
    records = []
    for config in sorted(queues, key=lambda q: q.name):
        if not config.advertise:
            continue
        txt = txt_record(config, data_dir=data_dir, admin_host=admin_host, port=port,
                         tls=tls)
        records.append(ServiceRecord(type_, _instance_name(config), port,
                                     tuple(sorted(txt.items()))))
    return records


def _answer_subtypes(zc: AsyncZeroconf, infos: Iterable[AsyncServiceInfo]) -> bool:
    """Make ``zc`` answer PTR queries for each subtype info (its ``type`` is the subtype
    name, its ``name`` the instance registered under the main type).

    python-zeroconf registers one service type per instance (python-zeroconf issues #109,
    #304, #1287), but answers PTR queries from its registry's ``types`` index: an entry
    there under the subtype name makes the answer ``<subtype> PTR <instance>`` with the
    instance's SRV, TXT and address records as additionals, as RFC 6763 section 7.1
    wants. Answers False (and changes nothing) when that index is not there."""
    types = getattr(zc.zeroconf.registry, "types", None)
    if not isinstance(types, dict):
        return False
    for info in infos:
        types.setdefault(info.type.lower(), {})[info.key] = info
    return True


def _withdraw_subtypes(zc: AsyncZeroconf, infos: Iterable[AsyncServiceInfo]) -> None:
    types = getattr(zc.zeroconf.registry, "types", None)
    if not isinstance(types, dict):
        return
    for info in infos:
        bucket = types.get(info.type.lower())
        if bucket is not None:
            bucket.pop(info.key, None)
            if not bucket:
                del types[info.type.lower()]


def _host_label() -> str:
    label = socket.gethostname().split(".")[0] or "printwarden-agent"
    return label[:_MAX_LABEL]


class Advertiser:
    """Keeps the DNS-SD registrations in step with ``queues()``."""

    def __init__(self, *, queues: Callable[[], Iterable[QueueConfig]], data_dir: Path,
                 host: str, port: int, tls: bool, poll_seconds: float = 2.0) -> None:
        self._queues = queues
        self._data_dir = data_dir
        self._host = host
        self._port = port
        self._tls = tls
        self._poll = poll_seconds
        self._server = f"{_host_label()}.local."
        self._zeroconf: AsyncZeroconf | None = None
        self._registered: dict[str, tuple[ServiceRecord, AsyncServiceInfo]] = {}
        self._subtypes: dict[str, list[AsyncServiceInfo]] = {}
        #: One sync at a time: the background task and a caller must not both register.
        self._sync_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def registered(self) -> Mapping[str, ServiceRecord]:
        return {key: record for key, (record, _) in self._registered.items()}

    def _addresses(self) -> list[str]:
        if self._host not in _WILDCARDS:
            return [self._host]
        return [a for a in _all_addresses() if not a.startswith("169.254.")] or ["127.0.0.1"]

    def wanted(self) -> list[ServiceRecord]:
        return service_records(self._queues(), data_dir=self._data_dir,
                               admin_host=self._server.rstrip("."), port=self._port,
                               tls=self._tls)

    async def start(self) -> None:
        try:
            interfaces: InterfaceChoice | list[str] = (
                InterfaceChoice.All if self._host in _WILDCARDS else [self._host])
            self._zeroconf = AsyncZeroconf(interfaces=interfaces,
                                           ip_version=IPVersion.V4Only)
        except Exception as exc:  # no multicast here: the agent prints all the same
            log.warning("DNS-SD advertising is off: %s", exc)
            self._zeroconf = None
            return
        self._task = asyncio.create_task(self._run(), name="agent-dnssd")

    async def _run(self) -> None:
        while True:
            try:
                await self.sync()
            except Exception as exc:
                log.warning("DNS-SD advertising failed: %s", exc)
            await asyncio.sleep(self._poll)

    async def sync(self) -> None:
        """Unregister changed/removed services, register new ones."""
        async with self._sync_lock:
            await self._sync()

    async def _sync(self) -> None:
        zc = self._zeroconf
        if zc is None:
            return
        wanted = {record.name: record for record in self.wanted()}
        for key, (record, info) in list(self._registered.items()):
            if wanted.get(key) != record:
                del self._registered[key]
                _withdraw_subtypes(zc, self._subtypes.pop(key, []))
                await zc.async_unregister_service(info)
        addresses = [socket.inet_aton(a) for a in self._addresses()]
        for key, record in wanted.items():
            if key in self._registered:
                continue
            info = AsyncServiceInfo(record.type_, record.name, port=record.port,
                                    properties=record.txt(), server=self._server,
                                    addresses=addresses)
            announced = await zc.async_register_service(info, allow_name_change=True)
            await announced
            self._registered[key] = (record, info)
            subtypes = [AsyncServiceInfo(name, info.name, port=record.port,
                                         properties=record.txt(), server=self._server,
                                         addresses=addresses)
                        for name in record.subtype_names()]
            if _answer_subtypes(zc, subtypes):
                self._subtypes[key] = subtypes
            else:
                log.warning("DNS-SD: this zeroconf cannot answer subtypes; %s is found by "
                            "_ipp browsing only, not by _print/_universal", info.name)
            log.info("DNS-SD: %s advertised as %s", record.txt()["rp"], info.name)

    async def stop(self) -> None:
        await cancel_and_wait([self._task])
        self._task = None
        zc, self._zeroconf = self._zeroconf, None
        self._registered.clear()
        if zc is not None:
            for subtypes in self._subtypes.values():
                _withdraw_subtypes(zc, subtypes)
        self._subtypes.clear()
        if zc is not None:
            try:
                await zc.async_unregister_all_services()
                await zc.async_close()
            except Exception as exc:
                log.warning("DNS-SD shutdown: %s", exc)
