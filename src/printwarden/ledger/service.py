"""``LedgerService``: the ledger's use cases, one class assembled from small parts.

- ``AccountOps`` (account_ops.py): open, get-or-create per owner, change, members;
- ``PostingOps`` (posting.py): top-ups, refunds, adjustments, transfers, reading entries;
- ``ReservationOps`` (reservations.py): reserve, settle, release;
- ``OfflineChargeOps`` (offline_charges.py): charge a job that printed offline (tracker);
- ``ChargePolicyOps`` (charge_policy.py): the charge order, stored as data;
- ``PriceListOps`` (price_lists.py): price lists and quotes;
- ``QuotaOps`` (quota_ops.py): quota schedules and their allocations.

Constructor: ``LedgerService(db, clock, audit, *, currency, site="central")``.
"""

from __future__ import annotations

from printwarden.ledger.account_ops import AccountOps
from printwarden.ledger.charge_policy import ChargePolicyOps
from printwarden.ledger.offline_charges import OfflineChargeOps
from printwarden.ledger.posting import PostingOps
from printwarden.ledger.price_lists import PriceListOps
from printwarden.ledger.quota_ops import QuotaOps


class LedgerService(AccountOps, PostingOps, OfflineChargeOps, ChargePolicyOps, PriceListOps,
                    QuotaOps):
    """Accounts, immutable entries, reservations, pricing, quotas and the charge policy."""
