"""Pins the SNMP seam other parts of issue 9 call, and the kiosk copy sessions and the
copy money path (a change here is a reviewed change)."""

from __future__ import annotations

import importlib

PUBLIC = {
    "printwarden.release.snmp_reader": {"ScriptedSnmpReader", "SnmpReader", "SnmpTarget"},
    "printwarden.release.snmp_client": {"SnmpClient"},
    "printwarden.release.snmp_profiles": {"GENERIC", "HP_LASERJET_COLOUR", "PROFILES",
                                          "profile_named"},
    "printwarden.release.copy_counting": {"CopyCharge", "CopyCount", "CopyFlag",
                                          "CountingLimits", "FlagReason", "ReleasedPages",
                                          "count_copies"},
    "printwarden.release.copy_charges": {
        "CopyAllowance", "NothingToSpend", "Spending", "copy_allowance", "release_copies_in",
        "reserve_copies_in", "settle_copies_in", "spending"},
    "printwarden.release.kiosk_copies": {"DEFAULT_COPY_MEDIA", "CopiesUnavailable",
                                         "CountersUnreadable", "KioskCopies", "SnmpOptions"},
    "printwarden.release.kiosk_copy_model": {"CLOSE_REASONS", "KioskCopySession",
                                             "copies_unavailable", "snmp_host"},
    "printwarden.release.snmp_model": {
        "ERROR_STATE_BITS", "HR_DEVICE_STATUS", "HR_PRINTER_DETECTED_ERROR_STATE",
        "HR_PRINTER_STATUS", "PRT_MARKER_LIFE_COUNT", "PRT_MARKER_SUPPLIES_DESCRIPTION",
        "PRT_MARKER_SUPPLIES_LEVEL", "PRT_MARKER_SUPPLIES_MAX_CAPACITY", "SYS_UPTIME",
        "TIMETICKS_MODULUS", "CounterOid", "CounterReading", "DeviceProfile",
        "DeviceStatus", "HrDeviceStatus", "HrPrinterStatus", "Oid", "SnmpFailure", "Supply",
        "decode_error_state", "device_status", "format_oid", "parse_oid", "supply",
    },
}


def test_each_module_exports_exactly_what_is_pinned() -> None:
    for name, exported in PUBLIC.items():
        module = importlib.import_module(name)
        assert set(module.__all__) == exported, name
        for item in exported:
            assert hasattr(module, item), (name, item)
