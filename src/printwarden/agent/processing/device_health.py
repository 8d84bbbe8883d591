"""What the agent tells the server about one device: its IPP status and its SNMP status
merged into one report entry (pure; the device monitor does the I/O).

The merge rule (docs/snmp.md, "Monitoring"):

- **state**: ``stopped`` when either side says so: the device does not answer over its
  URI (IPP, socket, lpstat: ``offline-report``), or SNMP says it is stopped (a jam, no
  paper, no toner, a door open, offline, ``hrDeviceStatus`` down), or IPP says
  ``stopped``. Else ``processing`` when either side is printing, else ``idle``.
- **reasons**: the union of both sides' PWG keywords (IPP's that are no keyword are left
  out, as the server would refuse them).
- **SNMP that does not answer** (timeout, wrong community, no Printer MIB) never stops a
  device that answers over its URI: the entry gets the reason
  ``snmp-unreachable-warning`` and "SNMP: ..." in its message, and keeps the IPP state.
  Its supplies then come from IPP, if the device reports any there.
- **message**: the IPP message, then "SNMP: " and the SNMP conditions in words.
- **supplies**: the SNMP rows when SNMP answered with some, else IPP ``printer-supply``;
  no ``supplies`` key when there are none.

The SNMP host is the device URI's host; a URI of a scheme that names no network host
(``usb:``, ``cups:``, ``file:``) cannot be read over SNMP and reads as SNMP not answering.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from printwarden.agent.forwarding.interface import DeviceStatus, DeviceSupply
from printwarden.agent.queues import DeviceSnmp
from printwarden.release.snmp_model import DeviceStatus as SnmpStatus
from printwarden.release.snmp_model import SnmpFailure, Supply, supply
from printwarden.release.snmp_reader import SnmpTarget

__all__ = ["SNMP_UNREACHABLE", "SnmpResult", "merged_entry", "snmp_target"]

#: The reason a device gets whose SNMP does not answer while its URI does.
SNMP_UNREACHABLE = "snmp-unreachable-warning"
#: What one SNMP status read gave: a status, a failure, or None (not read over SNMP).
SnmpResult = SnmpStatus | SnmpFailure | None
MAX_REASONS = 32
MAX_SUPPLIES = 32
MAX_MESSAGE = 1000
_KEYWORD = re.compile(r"[a-z][a-z0-9-]{0,62}")
_NETWORK_SCHEMES = ("ipp", "ipps", "http", "https", "socket", "lpd")
_STATES = {"idle": "idle", "processing": "processing", "stopped": "stopped"}


def snmp_target(device_uri: str, settings: DeviceSnmp, *, timeout_seconds: float = 2.0,
                retries: int = 1) -> SnmpTarget | SnmpFailure:
    """Where to read the device over SNMP, or why it cannot be."""
    try:
        parts = urlsplit(device_uri)
        host = (parts.hostname or "") if parts.scheme.lower() in _NETWORK_SCHEMES else ""
    except ValueError:
        host = ""
    if not host:
        return SnmpFailure("error", "the device URI names no host to read over SNMP")
    try:
        return SnmpTarget(host, port=settings.port, community=settings.community,
                          timeout_seconds=timeout_seconds, retries=retries)
    except ValueError as exc:  # the message names the setting, never the community
        return SnmpFailure("error", str(exc))


def merged_entry(device_id: str, ipp: DeviceStatus, snmp: SnmpResult) -> dict[str, Any]:
    """The ``POST /api/v1/agent/device-status`` entry of one device."""
    reasons = {r for r in ipp.reasons if r.isascii() and _KEYWORD.fullmatch(r)}
    state = _STATES.get(ipp.state, "idle")
    if not ipp.reachable:
        state = "stopped"
        reasons.add("offline-report")
    words = [ipp.message] if ipp.message else []
    supplies = [_ipp_supply(s) for s in ipp.supplies]
    if isinstance(snmp, SnmpFailure):
        reasons.add(SNMP_UNREACHABLE)
        words.append(f"SNMP: {snmp.detail}")
    elif snmp is not None:
        reasons.update(snmp.reasons)
        if snmp.state == "stopped":
            state = "stopped"
        elif snmp.state == "printing" and state == "idle":
            state = "processing"
        if snmp.message:
            words.append(f"SNMP: {snmp.message}")
        if snmp.supplies:
            supplies = list(snmp.supplies)
    entry: dict[str, Any] = {"device_id": device_id, "state": state,
                             "reasons": sorted(reasons - {"none"})[:MAX_REASONS],
                             "message": "; ".join(words)[:MAX_MESSAGE]}
    if supplies:  # absent when there are none: a server that predates them takes it
        entry["supplies"] = [_supply_entry(s) for s in supplies[:MAX_SUPPLIES]]
    return entry


def _ipp_supply(found: DeviceSupply) -> Supply:
    """A PWG 5100.13 ``printer-supply`` value (``type=toner;maxcapacity=100;level=80;``)
    read as a Printer MIB row: the keys are the MIB's, so are the special levels."""
    keys = dict(part.partition("=")[::2] for part in found.value.split(";") if part)
    return supply("", found.description or keys.get("colorantname", "") or
                  keys.get("type", "supply"), _number(keys.get("level")),
                  _number(keys.get("maxcapacity")))


def _number(text: str | None) -> int:
    """An ASCII integer, else -2 (the MIB's "unknown")."""
    if text is None or not re.fullmatch(r"-?[0-9]{1,10}", text, re.ASCII):
        return -2
    return int(text)


def _supply_entry(row: Supply) -> dict[str, Any]:
    return {"description": row.description[:255], "percent": row.percent,
            "condition": row.condition}
