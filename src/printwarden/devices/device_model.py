"""Devices: the physical printers and MFPs that print what queues send them.

A device is served by one agent (it forwards jobs to it and will monitor it), prices with
its own price list or its pricing group's (``PrinterGroup``), states what it can do
(colour, duplex, PWG media sizes) and how it is read over SNMP (stored and validated
here; polled by a later part). Pure values and validation; no I/O.

A terminal (a later part) points at its device (``terminals.device_id``); the device
itself has no terminal field, so binding or replacing a terminal never edits a device.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from printwarden.core.errors import ValidationError
from printwarden.core.media import media_by_name

DEVICE_URI_SCHEMES = ("ipp", "ipps", "http", "https", "socket", "lpd", "usb", "cups", "file")
#: SNMP versions a device may be read with (v3, with users and keys, comes later if asked).
SNMP_VERSIONS = ("2c",)
DEFAULT_SNMP_PORT = 161
#: The SNMP counter profiles a device may name (``release/snmp_profiles.py`` holds their
#: OIDs; a test keeps the two lists equal, as this pure model cannot import ``release``).
SNMP_PROFILE_NAMES = ("generic", "hp-laserjet-colour")
MAX_MEDIA_SIZES = 50
#: Device and queue names: letters, digits, '_' and '-' (they appear in URIs and URLs).
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: A PWG 5101.1 self-describing media name: ``class_name_WIDTHxLENGTHunit``.
_PWG_MEDIA_NAME = re.compile(r"[a-z0-9]+_[a-z0-9.-]+_\d{1,5}(\.\d{1,4})?x\d{1,5}(\.\d{1,4})?"
                             r"(mm|in)", re.ASCII)
#: An SNMP community is a password sent in clear: printable ASCII, no spaces.
_COMMUNITY = re.compile(r"[!-~]{1,64}", re.ASCII)


@dataclass(frozen=True)
class Device:
    """A physical printer or MFP. ``media_supported`` empty: the device states no sizes."""

    id: str
    name: str
    created_at: datetime
    agent_id: str | None = None
    group_id: str | None = None
    price_list_id: str | None = None
    device_uri: str = ""
    make_and_model: str = ""
    location: str = ""
    description: str = ""
    color_capable: bool = True
    duplex_capable: bool = True
    media_supported: tuple[str, ...] = ()
    snmp_enabled: bool = False
    snmp_version: str = "2c"
    snmp_community: str = "public"
    snmp_port: int = DEFAULT_SNMP_PORT
    snmp_profile: str = "generic"
    #: A person who signs in at the device (terminal, kiosk, phone) has every held job
    #: releasable here released here at once, as if he pressed "release all".
    release_on_sign_in: bool = False
    enabled: bool = True


#: Device fields an admin may change after creation.
EDITABLE_DEVICE_FIELDS = frozenset(
    f.name for f in fields(Device) if f.name not in ("id", "created_at")
)


def check_name(name: str, what: str = "queue") -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValidationError(
            f"invalid {what} name {name!r}: use 1 to 64 letters, digits, '_' or '-' "
            "(it becomes part of URIs)"
        )
    return name


def check_device_uri(uri: str) -> str:
    """Empty (not configured yet) or ``scheme://...`` with a scheme we can forward to."""
    if not uri:
        return uri
    scheme, sep, rest = uri.partition("://")
    if not sep or not rest or scheme.lower() not in DEVICE_URI_SCHEMES or len(uri) > 500:
        raise ValidationError(
            f"invalid device URI {uri[:100]!r}: expected scheme://address with a scheme "
            "among " + ", ".join(DEVICE_URI_SCHEMES)
        )
    return uri


def check_media_name(name: str) -> str:
    """A known PWG media name, or one in PWG 5101.1 self-describing form."""
    if not isinstance(name, str) or len(name) > 100 or not (
            media_by_name(name) or _PWG_MEDIA_NAME.fullmatch(name)):
        raise ValidationError(f"invalid media size {str(name)[:100]!r}: use PWG 5101.1 "
                              "names such as 'iso_a4_210x297mm' or 'na_letter_8.5x11in'")
    return name


def _check_text(what: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationError(f"{what} must be text of at most {limit} characters")


def check_snmp(device: Device) -> None:
    if device.snmp_version not in SNMP_VERSIONS:
        raise ValidationError(f"SNMP version {device.snmp_version!r} is not supported: use "
                              + ", ".join(repr(v) for v in SNMP_VERSIONS))
    if not _COMMUNITY.fullmatch(device.snmp_community or ""):
        raise ValidationError("the SNMP community must be 1 to 64 printable ASCII "
                              "characters without spaces")
    port = device.snmp_port
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValidationError("the SNMP port must be a number from 1 to 65535")
    if device.snmp_profile not in SNMP_PROFILE_NAMES:
        raise ValidationError(f"unknown SNMP profile {str(device.snmp_profile)[:40]!r}; "
                              f"known: {', '.join(SNMP_PROFILE_NAMES)}")


def check_device(device: Device) -> Device:
    check_name(device.name, "device")
    check_device_uri(device.device_uri)
    _check_text("make_and_model", device.make_and_model, 200)
    _check_text("location", device.location, 200)
    _check_text("description", device.description, 500)
    if len(device.media_supported) > MAX_MEDIA_SIZES:
        raise ValidationError(f"a device states at most {MAX_MEDIA_SIZES} media sizes")
    for name in device.media_supported:
        check_media_name(name)
    if len(set(device.media_supported)) != len(device.media_supported):
        raise ValidationError("media sizes are listed once each")
    check_snmp(device)
    return device


def changed_device(device: Device, changes: Mapping[str, Any]) -> Device:
    """``device`` with ``changes`` applied and validated; unknown fields are refused."""
    unknown = set(changes) - EDITABLE_DEVICE_FIELDS
    if unknown:
        raise ValidationError(f"cannot change device field(s): {', '.join(sorted(unknown))}")
    values = dict(changes)
    if "media_supported" in values:
        values["media_supported"] = tuple(values["media_supported"] or ())
    return check_device(replace(device, **values))


@dataclass(frozen=True)
class PriceTarget:
    """A device a queue's job may print at, with the price list it prices with (its own,
    else its pricing group's; None: the default list)."""

    device_id: str
    device_name: str
    enabled: bool
    price_list_id: str | None
