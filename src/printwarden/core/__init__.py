"""Shared kernel: ids, money, clock, errors and the settings base. No I/O beyond settings."""
