"""The ledger context: accounts, immutable entries, reservations, pricing, quotas.

``LedgerService`` (service.py) is the entry point; ``model`` holds the pure types.
"""
