"""Imports every context's table definitions so ``metadata`` is complete (migrations, checks)."""

from __future__ import annotations

from printwarden.db import core_tables  # noqa: F401

for _module in (
    "printwarden.accounts.tables",
    "printwarden.ledger.tables",
    "printwarden.devices.tables",
    "printwarden.jobs.tables",
    "printwarden.release.tables",
    "printwarden.notify.tables",
    "printwarden.policy.tables",
    "printwarden.sync.tables",
):
    try:
        __import__(_module)
    except ModuleNotFoundError as exc:  # a context not written yet
        if exc.name != _module:
            raise
