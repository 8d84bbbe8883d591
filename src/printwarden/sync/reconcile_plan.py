"""What central does with one push of a remote's outbox: pure decisions, no I/O.

Given the entries pushed (ascending site sequence), the highest sequence already applied
for that remote, what central knows of their idempotency keys and the accounts they
name, ``plan`` says per entry: post it (with the balance after), skip it as a duplicate,
or keep it as a problem (never drop it). And which limited accounts it leaves below what
they may owe (reports: one account spending at two sites at once).

- Order is the site sequence, never a clock. The new entries (above ``acked``) must
  continue it with no hole (``OutboxGap`` otherwise: the remote resends from
  ``acked + 1``).
- Once: an entry whose key central already holds with the same content is a duplicate
  (a resend after a lost answer, a replay after the remote was restored from a backup);
  the same key with other content is a problem (``key_conflict``). Entries at or below
  ``acked`` are checked the same way rather than skipped on their number alone, so an
  entry a restored remote wrote under a number central had already seen is applied,
  not lost.
- An entry central cannot post as it is (account unknown or closed, currency
  mismatch, a balance past the ledger's range, an owner key that is not its account's)
  is a problem, acked all the same.
- An owner account (personal, credit, group) a remote created on the fly is unknown
  here: ``owner_accounts_to_create`` names those central creates first, as its own lazy
  creation would, when the entry's account id is the one derived from the owner key it
  carries (``owner_account_id``). Any other unknown account stays a problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from printwarden.core.errors import ConflictError
from printwarden.ledger.model import Account, owner_account_id, split_owner_key

#: The largest amount of one entry in minor units (the ledger's bound on a posting).
MAX_ENTRY_MINOR = 10**15
#: Balances stay within this (BIGINT with room to spare).
MAX_BALANCE_MINOR = 2**62

UNKNOWN_ACCOUNT = "unknown_account"
ACCOUNT_CLOSED = "account_closed"
CURRENCY_MISMATCH = "currency_mismatch"
KEY_CONFLICT = "key_conflict"
OUT_OF_RANGE = "out_of_range"
OWNER_MISMATCH = "owner_mismatch"


class OutboxGap(ConflictError):
    """The push does not continue the remote's sequence: it resends from ``acked + 1``."""

    code = "outbox_gap"

    def __init__(self, acked_through: int, first: int) -> None:
        super().__init__(f"entries must continue from site sequence {acked_through + 1}; "
                         f"this push starts new ones at {first}: send again from "
                         f"{acked_through + 1}")
        self.acked_through = acked_through


@dataclass(frozen=True)
class Incoming:
    """One pushed entry, as the remote wrote it."""

    seq: int
    idempotency_key: str
    account_id: str
    amount_minor: int
    currency: str
    kind: str
    job_id: str | None
    reference: str | None
    created_at: datetime
    actor: str
    note: str
    #: The owner key of the entry's account at the remote (None: a shared account).
    owner_key: str | None = None

    @property
    def content(self) -> tuple[object, ...]:
        """What makes two entries with one key the same entry."""
        return (self.account_id, self.amount_minor, self.currency, self.kind, self.job_id,
                self.reference)


@dataclass(frozen=True)
class Problem:
    entry: Incoming
    reason: str
    message: str


@dataclass(frozen=True)
class Report:
    account_id: str
    currency: str
    #: The sum of this push's entries that left the account below its floor.
    amount_minor: int
    balance_after_minor: int


@dataclass
class Plan:
    postings: list[tuple[Incoming, int]] = field(default_factory=list)
    moves: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    duplicates: int = 0
    acked_through: int = 0


def check_order(seqs: Sequence[int], acked: int) -> None:
    """Refuse a push whose new entries do not continue at ``acked + 1`` without a hole
    (``seqs`` are ascending: the route checks it)."""
    new = [seq for seq in seqs if seq > acked]
    if new and (new[0] != acked + 1 or new[-1] - new[0] != len(new) - 1):
        raise OutboxGap(acked, new[0])


def plan(pushed: Sequence[Incoming], *, acked: int,
         known: Mapping[str, tuple[object, ...]], problem_keys: set[str],
         accounts: Mapping[str, Account]) -> Plan:
    """Decide each pushed entry (see the module's doc). ``known``: the content of keys
    central's ledger holds; ``problem_keys``: keys of this remote already kept as
    problems; ``accounts``: central's accounts the entries name (locked by the caller)."""
    check_order([entry.seq for entry in pushed], acked)
    result = Plan(acked_through=max([acked, *(entry.seq for entry in pushed)]))
    seen = dict(known)
    kept = set(problem_keys)
    balances = {account_id: account.balance_minor for account_id, account in accounts.items()}
    below: dict[str, list[int]] = {}
    for entry in pushed:
        key = entry.idempotency_key
        if key in kept:
            result.duplicates += 1
            continue
        if key in seen:
            if seen[key] == entry.content:
                result.duplicates += 1
            else:
                result.problems.append(Problem(entry, KEY_CONFLICT, "central holds an entry "
                                               "with this key and other content"))
                kept.add(key)
            continue
        problem = _unpostable(entry, accounts.get(entry.account_id), balances)
        if problem is not None:
            result.problems.append(problem)
            kept.add(key)
            continue
        account = accounts[entry.account_id]
        after = balances[entry.account_id] + entry.amount_minor
        balances[entry.account_id] = after
        seen[key] = entry.content
        result.postings.append((entry, after))
        result.moves[entry.account_id] = (result.moves.get(entry.account_id, 0)
                                          + entry.amount_minor)
        if account.limited and entry.amount_minor < 0 and after < -account.overdraft_minor:
            sums = below.setdefault(entry.account_id, [0, 0])
            sums[0] += entry.amount_minor
            sums[1] = after
    result.reports = [Report(account_id, accounts[account_id].currency, amount, after)
                      for account_id, (amount, after) in below.items()]
    return result


def owner_accounts_to_create(pushed: Sequence[Incoming],
                             accounts: Mapping[str, Account]) -> dict[str, str]:
    """account id -> owner key of the owner accounts the push names that central lacks
    and may create: the id is the one derived from the owner key the entry carries."""
    wanted: dict[str, str] = {}
    for entry in pushed:
        key = entry.owner_key
        if (entry.account_id not in accounts and key is not None
                and split_owner_key(key) is not None
                and owner_account_id(key) == entry.account_id):
            wanted[entry.account_id] = key
    return wanted


def _unpostable(entry: Incoming, account: Account | None,
                balances: Mapping[str, int]) -> Problem | None:
    if account is None:
        if entry.owner_key is not None and owner_account_id(entry.owner_key) != entry.account_id:
            return Problem(entry, OWNER_MISMATCH, f"account {entry.account_id} is not the "
                           f"account of {entry.owner_key}")
        return Problem(entry, UNKNOWN_ACCOUNT, f"central has no account {entry.account_id}"
                       + ("" if entry.owner_key is None else
                          f" and cannot create it for {entry.owner_key} (unknown owner, or "
                          "central's account of that owner has another id)"))
    if entry.owner_key is not None and entry.owner_key != account.owner_key:
        return Problem(entry, OWNER_MISMATCH, f"account {account.id} is not the account of "
                       f"{entry.owner_key}")
    if not account.active:
        return Problem(entry, ACCOUNT_CLOSED, f"account {account.id} is closed at central")
    if entry.currency != account.currency:
        return Problem(entry, CURRENCY_MISMATCH, f"the entry is in {entry.currency}, the "
                       f"account in {account.currency}")
    if abs(balances[account.id] + entry.amount_minor) > MAX_BALANCE_MINOR:
        return Problem(entry, OUT_OF_RANGE, "the balance would leave the ledger's range")
    return None
