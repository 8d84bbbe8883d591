"""The admin device form: what it shows, and the changes it asks for.

A form is text typed by a person: it is read field by field into ``DevicesService``
changes, and anything wrong becomes a message on its field (``FieldErrors``) with the
typed values kept. The SNMP community is write-only as in the REST API: the form never
shows it; left blank it keeps the stored one (a new device gets ``public``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from printwarden.devices.device_model import DEFAULT_SNMP_PORT, SNMP_PROFILE_NAMES, Device
from printwarden.web.admin_forms import FieldErrors, ascii_int, checked

__all__ = ["DEVICE_FIELD_WORDS", "SNMP_PROFILES", "DeviceForm", "blank_form", "form_of_device",
           "read_form"]

#: The counter profiles the form offers (copy counting by SNMP, docs/snmp.md).
SNMP_PROFILES = tuple(SNMP_PROFILE_NAMES)

#: Which field a message of the devices service is about (first match wins).
DEVICE_FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("device name", "device named"),
    "snmp_community": ("community",),
    "snmp_port": ("snmp port",),
    "snmp_profile": ("profile",),
    "device_uri": ("uri",),
    "media_supported": ("media",),
    "agent_id": ("agent",),
    "group_id": ("group",),
    "make_and_model": ("make_and_model",),
    "location": ("location",),
    "description": ("description",),
}
_TEXT_FIELDS = ("name", "device_uri", "make_and_model", "location", "description")
_LIMIT = 1000  # longer text is cut before the service says what the real limit is
_CHECKBOXES = ("color_capable", "duplex_capable", "snmp_enabled", "enabled")


@dataclass
class DeviceForm:
    """The form's values as text (what the admin typed or what is stored)."""

    values: dict[str, str]
    flags: dict[str, bool]
    community_set: bool = False
    errors: FieldErrors = field(default_factory=dict)


def blank_form() -> DeviceForm:
    values = {name: "" for name in _TEXT_FIELDS}
    values.update(agent_id="", group_id="", media_supported="",
                  snmp_port=str(DEFAULT_SNMP_PORT), snmp_community="", snmp_profile="generic")
    return DeviceForm(values, {"color_capable": True, "duplex_capable": True,
                               "snmp_enabled": False, "enabled": True})


def form_of_device(device: Device) -> DeviceForm:
    values = {name: str(getattr(device, name)) for name in _TEXT_FIELDS}
    values.update(agent_id=device.agent_id or "", group_id=device.group_id or "",
                  media_supported=" ".join(device.media_supported),
                  snmp_port=str(device.snmp_port), snmp_community="",
                  snmp_profile=device.snmp_profile)
    return DeviceForm(values, {name: bool(getattr(device, name)) for name in _CHECKBOXES},
                      community_set=bool(device.snmp_community))


def read_form(form: Mapping[str, Any], *, creating: bool) -> tuple[DeviceForm,
                                                                  dict[str, Any]]:
    """The form as typed, and the changes it asks for (empty when a field is wrong: its
    message is in ``errors``)."""
    def text(name: str) -> str:
        value = form.get(name)
        return value[:_LIMIT] if isinstance(value, str) else ""

    values = {name: text(name).strip() for name in (*_TEXT_FIELDS, "agent_id", "group_id",
                                                    "media_supported", "snmp_port",
                                                    "snmp_profile")}
    values["snmp_community"] = ""  # never echoed back
    flags = {name: checked(text(name) if name in form else None) for name in _CHECKBOXES}
    typed = DeviceForm(values, flags)
    changes: dict[str, Any] = {name: values[name] for name in _TEXT_FIELDS}
    changes.update(flags)
    changes["agent_id"] = values["agent_id"][:26] or None
    changes["group_id"] = values["group_id"][:26] or None
    changes["media_supported"] = tuple(values["media_supported"].replace(",", " ").split())
    if values["snmp_profile"]:
        changes["snmp_profile"] = values["snmp_profile"]
    try:
        changes["snmp_port"] = ascii_int(values["snmp_port"] or str(DEFAULT_SNMP_PORT),
                                         "the SNMP port", 1, 65535)
    except ValueError as exc:
        typed.errors["snmp_port"] = str(exc)
    community = text("snmp_community")
    if community:
        changes["snmp_community"] = community
    elif creating:
        changes["snmp_community"] = "public"
    if not values["name"]:
        typed.errors["name"] = "a device needs a name"
    return typed, ({} if typed.errors else changes)
