"""Forwarding backends: how the agent hands a spooled document to the real printer.

    forwarder = forwarder_for("ipp://printer.example:631/ipp/print")
    result = await send_with_retry(forwarder, ForwardJob(...), RetryPolicy())

``base`` holds the interface (ForwardJob, ForwardResult, DeviceStatus, Forwarder);
one module per backend (ipp, socket, lpd, device, cups); ``registry`` picks one by URI
scheme; ``retry`` wraps any of them with back-off for transient faults.
"""

from .base import DeviceStatus, Forwarder, ForwardJob, ForwardResult, StatusCallback
from .cups_backend import CupsForwarder
from .device_backend import DeviceForwarder
from .ipp_backend import IppForwarder
from .lpd_backend import LpdForwarder
from .registry import SCHEMES, forwarder_for
from .retry import RetryPolicy, send_with_retry
from .socket_backend import SocketForwarder

__all__ = [
    "SCHEMES",
    "CupsForwarder",
    "DeviceForwarder",
    "DeviceStatus",
    "ForwardJob",
    "ForwardResult",
    "Forwarder",
    "IppForwarder",
    "LpdForwarder",
    "RetryPolicy",
    "SocketForwarder",
    "StatusCallback",
    "forwarder_for",
    "send_with_retry",
]
