"""The device profiles printwarden ships: which OIDs hold a model's life counters.

A profile is data (:class:`~printwarden.release.snmp_model.DeviceProfile`). Only OIDs
found in a public MIB or vendor document are shipped, each profile naming its source;
``docs/snmp.md`` says how to add one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from printwarden.core.errors import ValidationError
from printwarden.release.snmp_model import PRT_MARKER_LIFE_COUNT, CounterOid, DeviceProfile

__all__ = ["GENERIC", "HP_LASERJET_COLOUR", "PROFILES", "profile_named"]

GENERIC = DeviceProfile(
    name="generic",
    description="Any Printer MIB device: prtMarkerLifeCount of its first marker; every "
    "copy page is counted as mono.",
    total=CounterOid(PRT_MARKER_LIFE_COUNT),
    source="RFC 3805 (Printer MIB v2), prtMarkerLifeCount",
)

#: HP's ``total-color-page-count`` and its mirror of ``prtMarkerLifeCount`` both roll to
#: zero after 2**24 - 1 pages, as HP's printer MIB says. A wrong modulus only causes flags
#: (an implausible wrap is a reset), never a wrong charge.
_HP_PAGES = 2**24

HP_LASERJET_COLOUR = DeviceProfile(
    name="hp-laserjet-colour",
    description="HP Color LaserJet (JetDirect): prtMarkerLifeCount for the total, HP's "
    "total-color-page-count for colour pages; mono is the difference.",
    total=CounterOid(PRT_MARKER_LIFE_COUNT, modulus=_HP_PAGES),
    colour=CounterOid((1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, 7, 0),
                      modulus=_HP_PAGES),
    source="HP-Color-LaserJet-4500-MIB: total-color-page-count "
    "(1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.7, status-prt-eng 7, rolls to zero after 2^24-1)",
)

PROFILES: Mapping[str, DeviceProfile] = MappingProxyType(
    {profile.name: profile for profile in (GENERIC, HP_LASERJET_COLOUR)})


def profile_named(name: str) -> DeviceProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValidationError(f"unknown SNMP profile {name[:40]!r}; known: "
                              f"{', '.join(sorted(PROFILES))}") from None
