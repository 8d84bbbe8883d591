"""Forwarding backends: how the agent hands a spooled document to the real printer.

    forwarder = forwarder_for("ipp://printer.example:631/ipp/print")
    result = await send_with_retry(forwarder, ForwardJob(...), RetryPolicy())

``interface`` holds the interface (ForwardJob, ForwardResult, DeviceStatus, Forwarder);
one module per backend (ipp, socket, lpd, device, cups queue); ``registry`` picks one by
URI scheme; ``Forwarders`` keeps one per device URI; ``retry`` is the back-off between attempts;
``ScriptedForwarder`` is the twin for tests of the agent's logic.
"""

from printwarden.agent.forwarding.cups_queue import CupsForwarder
from printwarden.agent.forwarding.device_backend import DeviceForwarder
from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    Forwarder,
    ForwardJob,
    ForwardResult,
    StatusCallback,
)
from printwarden.agent.forwarding.ipp_backend import IppForwarder
from printwarden.agent.forwarding.lpd_backend import LpdForwarder
from printwarden.agent.forwarding.registry import SCHEMES, Forwarders, forwarder_for
from printwarden.agent.forwarding.retry import RetryPolicy
from printwarden.agent.forwarding.scripted import ScriptedForwarder
from printwarden.agent.forwarding.socket_backend import SocketForwarder

__all__ = [
    "SCHEMES",
    "CupsForwarder",
    "DeviceForwarder",
    "DeviceStatus",
    "ForwardJob",
    "ForwardResult",
    "Forwarder",
    "Forwarders",
    "IppForwarder",
    "LpdForwarder",
    "RetryPolicy",
    "ScriptedForwarder",
    "SocketForwarder",
    "StatusCallback",
    "forwarder_for",
]
