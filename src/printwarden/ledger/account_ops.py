"""Ledger accounts: open, look up, get-or-create per owner, change, members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.core.money import Money
from printwarden.ledger import reservation_store as rstore
from printwarden.ledger import store
from printwarden.ledger.model import ACCOUNT_KINDS, Account, validate_offline_credit
from printwarden.ledger.service_base import LedgerBase
from printwarden.ledger.tables import ledger_accounts as accounts


class AccountOps(LedgerBase):
    def open_account(self, kind: str, name: str, *, currency: str | None = None,
                     limited: bool = True, overdraft: Money | None = None,
                     owner_user_id: str | None = None, group_id: str | None = None,
                     members: Sequence[str] = (), offline_credit: str | None = None,
                     offline_limit: Money | None = None, actor: str) -> Account:
        """Open an account. Personal, credit and group accounts are one per owner.

        ``offline_credit`` (None: this site's ``offline_credit_default``) and
        ``offline_limit`` say what a remote cut off from central may let it spend."""
        if kind not in ACCOUNT_KINDS:
            raise ValidationError(f"account kind must be one of {', '.join(ACCOUNT_KINDS)}")
        if not name.strip():
            raise ValidationError("an account needs a name")
        the_currency = currency or self.currency
        overdraft_minor = self._overdraft(overdraft, the_currency)
        key = self._owner_key(kind, owner_user_id, group_id)
        policy = offline_credit or self.offline_credit_default
        limit_minor = self._offline_limit(offline_limit, the_currency)
        validate_offline_credit(policy, limit_minor)

        def work(conn: Connection) -> Account:
            try:
                with conn.begin_nested():
                    account = store.insert_account(
                        conn, kind=kind, name=name.strip(), currency=the_currency,
                        limited=limited, overdraft_minor=overdraft_minor,
                        owner_user_id=owner_user_id, group_id=group_id, key=key,
                        now=self._clock.now(), offline_credit=policy,
                        offline_limit_minor=limit_minor)
                    for user_id in dict.fromkeys(members):
                        store.add_member(conn, account.id, user_id)
            except IntegrityError as exc:
                raise ConflictError(self._clash(kind, owner_user_id, group_id)) from exc
            self._audit.record_in(conn, actor, "ledger.account.open", account.id, kind=kind,
                                  name=account.name, limited=limited,
                                  overdraft_minor=overdraft_minor, members=list(members),
                                  offline_credit=policy, offline_limit_minor=limit_minor)
            return account

        return self._db.write(work)

    @staticmethod
    def _owner_key(kind: str, owner_user_id: str | None, group_id: str | None) -> str | None:
        if kind in ("personal", "credit"):
            if not owner_user_id or group_id:
                raise ValidationError(f"a {kind} account belongs to one user (owner_user_id)")
            return store.owner_key(kind, owner_user_id)
        if kind == "group":
            if not group_id or owner_user_id:
                raise ValidationError("a group account belongs to one group (group_id)")
            return store.owner_key(kind, group_id)
        if owner_user_id or group_id:
            raise ValidationError("a shared account has members, not an owner")
        return None

    @staticmethod
    def _clash(kind: str, owner_user_id: str | None, group_id: str | None) -> str:
        if kind == "shared":
            return "unknown member user id"
        owner = owner_user_id or group_id
        return f"{owner} already has a {kind} account, or is unknown"

    def _overdraft(self, overdraft: Money | None, currency: str) -> int:
        if overdraft is None:
            return 0
        self._money(overdraft, currency)
        if overdraft.minor < 0:
            raise ValidationError("an overdraft is a positive amount (how far below zero)")
        return overdraft.minor

    def _offline_limit(self, limit: Money | None, currency: str) -> int:
        if limit is None:
            return 0
        self._money(limit, currency)
        return limit.minor

    def _owned(self, kind: str, name: str, *, user_id: str | None = None,
               group_id: str | None = None) -> Account:
        return self._db.write(lambda conn: self._owned_in(conn, kind, name, user_id=user_id,
                                                           group_id=group_id))

    def personal_account(self, user_id: str) -> Account:
        """The user's quota account, created (limited, empty) on first use."""
        return self._owned("personal", "Personal quota", user_id=user_id)

    def credit_account(self, user_id: str) -> Account:
        """The user's prepaid credit account, created (limited, empty) on first use."""
        return self._owned("credit", "Prepaid credit", user_id=user_id)

    def group_account(self, group_id: str, *, name: str | None = None) -> Account:
        """The group's (department) quota account, created on first use."""
        return self._owned("group", name or "Group quota", group_id=group_id)

    def get_account(self, account_id: str) -> Account:
        return self._db.read(lambda conn: store.load_account(conn, self._db, account_id,
                                                             lock=False))

    def list_accounts(self, *, kind: str | None = None, owner_user_id: str | None = None,
                      offset: int = 0, limit: int = 100) -> tuple[list[Account], int]:
        conditions: list[Any] = []
        if kind is not None:
            conditions.append(accounts.c.kind == kind)
        if owner_user_id is not None:
            conditions.append(accounts.c.owner_user_id == owner_user_id)
        return self._db.read(lambda conn: store.list_accounts(conn, conditions, offset=offset,
                                                              limit=limit))

    def update_account(self, account_id: str, *, name: str | None = None,
                       limited: bool | None = None, overdraft: Money | None = None,
                       active: bool | None = None, offline_credit: str | None = None,
                       offline_limit: Money | None = None, actor: str) -> Account:
        """Change an account (None: left as it is); audited with what changed."""
        def work(conn: Connection) -> Account:
            account = store.load_account(conn, self._db, account_id, lock=True)
            values: dict[str, Any] = {}
            if offline_credit is not None or offline_limit is not None:
                policy = offline_credit or account.offline_credit
                limit_minor = (self._offline_limit(offline_limit, account.currency)
                               if offline_limit is not None else account.offline_limit_minor)
                validate_offline_credit(policy, limit_minor)
                values |= {"offline_credit": policy, "offline_limit_minor": limit_minor}
            if name is not None:
                if not name.strip():
                    raise ValidationError("an account needs a name")
                values["name"] = name.strip()
            if limited is not None:
                values["limited"] = limited
            if overdraft is not None:
                values["overdraft_minor"] = self._overdraft(overdraft, account.currency)
            if active is not None:
                values["active"] = active
            store.update_account(conn, account_id, **values)
            self._audit.record_in(conn, actor, "ledger.account.update", account_id, **values)
            return store.load_account(conn, self._db, account_id, lock=False)

        return self._db.write(work)

    def account_members(self, account_id: str) -> list[str]:
        def read(conn: Connection) -> list[str]:
            store.load_account(conn, self._db, account_id, lock=False)
            return store.member_ids(conn, account_id)

        return self._db.read(read)

    def add_account_member(self, account_id: str, user_id: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            account = store.load_account(conn, self._db, account_id, lock=True)
            if account.kind != "shared":
                raise ValidationError("only shared accounts have members")
            try:
                with conn.begin_nested():
                    added = store.add_member(conn, account_id, user_id)
            except IntegrityError as exc:
                raise NotFoundError(f"no user {user_id}") from exc
            if added:
                self._audit.record_in(conn, actor, "ledger.account.member_add", account_id,
                                      user_id=user_id)

        self._db.write(work)

    def remove_account_member(self, account_id: str, user_id: str, *, actor: str) -> None:
        def work(conn: Connection) -> None:
            store.load_account(conn, self._db, account_id, lock=True)
            if store.remove_member(conn, account_id, user_id):
                self._audit.record_in(conn, actor, "ledger.account.member_remove", account_id,
                                      user_id=user_id)

        self._db.write(work)

    def spending_accounts(self, user_id: str) -> list[Account]:
        """The user's personal and credit accounts as this site may spend them now
        (offline: capped by their offline credit policy; ``Account.can_give``)."""
        def work(conn: Connection) -> list[Account]:
            return self._as_offline(conn, [
                self._owned_in(conn, "personal", "Personal quota", user_id=user_id),
                self._owned_in(conn, "credit", "Prepaid credit", user_id=user_id)])

        return self._db.write(work)

    def accounts_for_user(self, user_id: str) -> list[Account]:
        """Every account the user can pay from: personal, credit, his groups', shared ones."""
        def read(conn: Connection) -> list[Account]:
            keys = [store.owner_key("personal", user_id), store.owner_key("credit", user_id)]
            keys += [store.owner_key("group", g) for g in rstore.group_ids_of(conn, user_id)]
            condition = accounts.c.owner_key.in_(keys) | accounts.c.id.in_(
                store.shared_account_ids_of(conn, user_id))
            found, _ = store.list_accounts(conn, [condition], offset=0, limit=10_000)
            order = {kind: i for i, kind in enumerate(("personal", "credit", "group", "shared"))}
            return sorted(found, key=lambda a: (order[a.kind], a.name, a.id))

        return self._db.read(read)
