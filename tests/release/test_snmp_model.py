"""The SNMP model: OIDs, error bits, device status and supplies, profiles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from printwarden.core.errors import ValidationError
from printwarden.release.snmp_model import (
    ERROR_STATE_BITS,
    CounterOid,
    CounterReading,
    decode_error_state,
    device_status,
    format_oid,
    parse_oid,
    supply,
)
from printwarden.release.snmp_profiles import GENERIC, HP_LASERJET_COLOUR, PROFILES, profile_named

ALL_BITS = ("lowPaper", "noPaper", "lowToner", "noToner", "doorOpen", "jammed", "offline",
            "serviceRequested", "inputTrayMissing", "outputTrayMissing",
            "markerSupplyMissing", "outputNearFull", "outputFull", "inputTrayEmpty",
            "overduePreventMaint")


def _octets(*bits: int) -> bytes:
    value = bytearray(2)
    for bit in bits:
        value[bit // 8] |= 0x80 >> (bit % 8)
    return bytes(value)


def test_an_oid_round_trips_and_a_leading_dot_is_accepted() -> None:
    assert parse_oid("1.3.6.1.2.1.1.3.0") == (1, 3, 6, 1, 2, 1, 1, 3, 0)
    assert parse_oid(".1.3.6.1") == (1, 3, 6, 1)
    assert format_oid(parse_oid("1.3.6.1.4.1.11.0")) == "1.3.6.1.4.1.11.0"


@pytest.mark.parametrize("text", [
    "", "1", "1.3.6.", "1..3", "1.3.٦.1", "1.\uff13.6.1", "1.3.6.1 ", "a.b", "-1.3", "3.1.2",
    "1.3.4294967296", "1.3.99999999999", ".".join(["1"] * 129), "1.3.6\n",
])
def test_hostile_oid_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an OID"):
        parse_oid(text)


def test_every_error_bit_the_mib_defines_decodes_by_itself() -> None:
    assert tuple(entry.name for entry in ERROR_STATE_BITS) == ALL_BITS
    for bit, name in enumerate(ALL_BITS):
        assert decode_error_state(_octets(bit)) == (name,), name


def test_error_bits_are_most_significant_first_and_short_or_long_strings_are_fine() -> None:
    assert decode_error_state(b"\x80") == ("lowPaper",)  # bit 0 = MSB of octet 0
    assert decode_error_state(b"\x01") == ("serviceRequested",)
    assert decode_error_state(b"\x00\x02") == ("overduePreventMaint",)
    assert decode_error_state(b"\x00\x01") == ()  # bit 15: not defined by the MIB
    assert decode_error_state(b"") == ()
    assert decode_error_state(b"\xff\xff\xff\xff") == ALL_BITS


def test_a_jam_stops_the_device_with_a_pwg_reason_and_a_message() -> None:
    status = device_status(printer_status=3, device_status_value=5, error_state=_octets(5))
    assert status.state == "stopped" and not status.accepts_jobs
    assert status.reasons == ("media-jam-error",)
    assert status.message == "paper jam"
    assert (status.printer_status, status.device_status) == ("idle", "down")


def test_warnings_keep_the_device_working() -> None:
    status = device_status(4, 3, _octets(0, 2, 11))
    assert status.state == "printing" and status.accepts_jobs
    assert status.reasons == ("media-low-warning", "output-area-almost-full-warning",
                              "toner-low-warning")
    assert status.errors == ("lowPaper", "lowToner", "outputNearFull")


@pytest.mark.parametrize(("bit", "reason"), [
    (1, "media-empty-error"), (3, "toner-empty-error"), (4, "door-open-error"),
    (6, "offline-report"), (9, "output-tray-missing-error"),
    (10, "marker-supply-missing-error"), (12, "output-area-full-error"),
])
def test_each_stopping_bit_stops_even_when_the_device_says_running(bit: int,
                                                                   reason: str) -> None:
    status = device_status(3, 2, _octets(bit))
    assert status.state == "stopped"
    assert reason in status.reasons


def test_a_device_down_without_error_bits_is_stopped_for_another_reason() -> None:
    status = device_status(1, 5, b"")
    assert status.state == "stopped"
    assert status.reasons == ("other-error",)
    assert status.message == "the device reports itself down"


def test_idle_printing_warmup_and_values_outside_the_mib() -> None:
    assert device_status(3, 2, b"\x00\x00").state == "idle"
    assert device_status(4, 2, b"").state == "printing"
    warming = device_status(5, 2, b"")
    assert warming.state == "printing" and warming.message == "warming up"
    odd = device_status(99, -7, b"")
    assert (odd.state, odd.printer_status, odd.device_status) == ("idle", "unknown",
                                                                  "unknown")


def test_supply_percentages_and_the_mibs_special_values() -> None:
    assert supply("1.1", "Black Toner", 40, 80).percent == 50
    assert supply("1.1", "Black Toner", 900, 80).percent == 100  # never above 100
    assert supply("1.1", "x", -3, 100).condition == "some-remaining"
    assert supply("1.1", "x", -3, 100).percent is None
    assert supply("1.1", "x", -2, 100).condition == "unknown"
    assert supply("1.1", "x", 5, -2).condition == "unknown"
    assert supply("1.1", "x", -1, 100).condition == "unrestricted"
    assert supply("1.1", "x", 10, -1).condition == "unrestricted"
    assert supply("1.1", "x", 10, 0).condition == "unknown"  # no division by zero
    assert supply("1.1", "Cyan\x00\x1b[2J Toner\n", 1, 2).description == "Cyan[2J Toner"


def test_profiles_name_where_their_oids_come_from_and_unknown_names_are_refused() -> None:
    assert set(PROFILES) == {"generic", "hp-laserjet-colour"}
    assert profile_named("generic") is GENERIC
    assert GENERIC.mono is None and GENERIC.colour is None
    assert HP_LASERJET_COLOUR.colour is not None
    assert HP_LASERJET_COLOUR.colour.modulus == 2**24
    for profile in PROFILES.values():
        assert profile.source
    fullwidth = "\uff47\uff45\uff4e\uff45\uff52\uff49\uff43"  # "generic", fullwidth
    for hostile in ("Generic", "generic ", fullwidth, "x" * 10_000, ""):
        with pytest.raises(ValidationError, match="unknown SNMP profile") as refused:
            profile_named(hostile)
        assert len(refused.value.message) < 200


def test_readings_and_counters_refuse_what_cannot_be() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="negative"):
        CounterReading(-1, None, None, 0, now, "generic")
    with pytest.raises(ValueError, match="aware"):
        CounterReading(1, None, None, 0, datetime(2025, 1, 1), "generic")
    with pytest.raises(ValueError, match="modulus"):
        CounterOid((1, 3), modulus=1)
