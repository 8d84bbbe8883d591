"""``forwarder_for(uri, **options)``: the backend for a device URI, chosen by its scheme.

    ipp, ipps      IppForwarder     (options: verify, timeout, poll_initial, poll_max,
                                      follow_timeout, use_create_job, credentials)
    socket         SocketForwarder  (connect_timeout, write_timeout, drain_timeout)
    lpd            LpdForwarder     (timeout, host_name, job_class)
    usb, file      DeviceForwarder  (open_timeout)
    cups           CupsForwarder    (timeout, poll_initial, poll_max, follow_timeout)

An unknown scheme, a malformed URI or an option the backend does not take raises
``ValueError`` with a message naming the URI. ``Forwarders`` keeps one forwarder per
device URI, made on first use, for the agent's deliveries and device checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from printwarden.agent.forwarding.cups_queue import CupsForwarder
from printwarden.agent.forwarding.device_backend import DeviceForwarder
from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    Forwarder,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    failure,
)
from printwarden.agent.forwarding.ipp_backend import IppForwarder
from printwarden.agent.forwarding.lpd_backend import LpdForwarder
from printwarden.agent.forwarding.socket_backend import SocketForwarder

__all__ = ["SCHEMES", "Forwarders", "forwarder_for"]

SCHEMES: dict[str, Callable[..., Forwarder]] = {
    "ipp": IppForwarder,
    "ipps": IppForwarder,
    "socket": SocketForwarder,
    "lpd": LpdForwarder,
    "usb": DeviceForwarder,
    "file": DeviceForwarder,
    "cups": CupsForwarder,
}


def forwarder_for(uri: str, **options: Any) -> Forwarder:
    if not isinstance(uri, str) or "://" not in uri:
        raise ValueError(f"{uri!r} is not a device URI (expected scheme://...; "
                         f"schemes: {', '.join(sorted(SCHEMES))})")
    scheme = urlsplit(uri).scheme.lower()
    factory = SCHEMES.get(scheme)
    if factory is None:
        raise ValueError(f"{uri!r}: unknown scheme {scheme!r} "
                         f"(supported: {', '.join(sorted(SCHEMES))})")
    try:
        return factory(uri, **options)
    except TypeError as exc:
        raise ValueError(f"{uri!r}: bad option for the {scheme} backend: {exc}") from None


class Forwarders:
    """One forwarder per device URI, made on first use; a bad URI fails its jobs."""

    def __init__(self, make: Callable[[str], Forwarder] = forwarder_for) -> None:
        self._make = make
        self._made: dict[str, Forwarder] = {}

    def get(self, device_uri: str) -> Forwarder:
        """The forwarder of ``device_uri``; ``ValueError`` for a URI no backend takes."""
        forwarder = self._made.get(device_uri)
        if forwarder is None:
            forwarder = self._made[device_uri] = self._make(device_uri)
        return forwarder

    async def send(self, device_uri: str, job: ForwardJob,
                   on_status: StatusCallback) -> ForwardResult:
        """One attempt (the agent's delivery decides about trying again)."""
        try:
            forwarder = self.get(device_uri)
        except ValueError as exc:  # a bad device URI: nothing to retry
            return failure(str(exc), retryable=False)
        return await forwarder.send(job, on_status=on_status)

    async def status(self, device_uri: str) -> DeviceStatus:
        try:
            forwarder = self.get(device_uri)
        except ValueError as exc:
            return DeviceStatus(False, "unknown", ("other-error",), str(exc))
        return await forwarder.status()
