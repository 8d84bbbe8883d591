"""Scheme dispatch of ``forwarder_for`` and its errors."""

from __future__ import annotations

import pytest

from printwarden.agent.forwarding import (
    CupsForwarder,
    DeviceForwarder,
    Forwarder,
    IppForwarder,
    LpdForwarder,
    SocketForwarder,
    forwarder_for,
)


@pytest.mark.parametrize(("uri", "kind"), [
    ("ipp://printer.example/ipp/print", IppForwarder),
    ("ipps://printer.example:443/ipp/print", IppForwarder),
    ("IPP://printer.example/ipp/print", IppForwarder),
    ("socket://10.0.0.5", SocketForwarder),
    ("lpd://10.0.0.5/raw", LpdForwarder),
    ("usb:///dev/usb/lp0", DeviceForwarder),
    ("file:///tmp/out.prn", DeviceForwarder),
    ("cups://office", CupsForwarder),
    ("cups://print.example:631/office", CupsForwarder),
])
def test_each_scheme_gets_its_backend(uri: str, kind: type) -> None:
    forwarder = forwarder_for(uri)

    assert isinstance(forwarder, kind)
    assert isinstance(forwarder, Forwarder)
    assert forwarder.uri == uri


def test_options_reach_the_backend() -> None:
    forwarder = forwarder_for("ipps://printer.example/ipp/print", verify=False, timeout=3.0)

    assert isinstance(forwarder, IppForwarder)
    assert (forwarder.verify, forwarder.timeout) == (False, 3.0)


@pytest.mark.parametrize(("uri", "message"), [
    ("smb://server/printer", "unknown scheme 'smb'"),
    ("printer.example:9100", "not a device URI"),
    ("", "not a device URI"),
    ("socket://", "no host"),
    ("socket://printer.example:99999", "port"),
    ("lpd://printer.example", "no queue"),
    ("usb://HP/LaserJet?serial=1", "only local paths"),
    ("file://", "no device path"),
])
def test_bad_uris_raise_a_clear_value_error(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forwarder_for(uri)


def test_an_option_the_backend_does_not_take_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bad option for the socket backend"):
        forwarder_for("socket://printer.example", verify=False)
