"""release context: secure release, copy sessions and the SNMP seam devices are read through.

- held jobs: ``held_jobs`` (pure: a held job priced for a device, expiry), ``service``
  (list, release, delete, expire), ``ports`` (what it needs of the devices context);
- SNMP: ``snmp_model`` and ``snmp_profiles`` (pure: the OIDs, the device status, the
  profiles), ``copy_counting`` (pure: copies from two readings, or a flag for an operator),
  ``snmp_reader`` (the interface callers depend on, and a scripted twin) and
  ``snmp_client`` (the pysnmp adapter);
- copy sessions: ``terminal_sessions`` (reported by a terminal), ``kiosk_copies`` (counted
  by SNMP at a kiosk; ``kiosk_copy_model``, ``kiosk_copy_store``), and ``copy_charges``,
  the money path both share.
"""
