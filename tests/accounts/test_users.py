from __future__ import annotations

import pytest
import sqlalchemy as sa

from printwarden.accounts.service import AccountsService
from printwarden.accounts.tables import users
from printwarden.core.errors import ConflictError, NotFoundError, ValidationError
from printwarden.db.core_tables import audit_log
from printwarden.db.engine import Database


def test_a_created_user_can_be_read_back_by_id_and_username(accounts: AccountsService) -> None:
    created = accounts.create_user("Alice", full_name="Alice Liddell", email="a@x.org",
                                   department="Maths", roles=("operator",), actor="t")
    assert accounts.get_user(created.id) == created
    assert accounts.get_user_by_username("alice") == created
    assert created.roles == {"operator", "user"}
    assert not created.has_password and not created.has_pin


def test_usernames_are_unique_regardless_of_case(accounts: AccountsService) -> None:
    accounts.create_user("alice", actor="t")
    with pytest.raises(ConflictError, match="alice"):
        accounts.create_user("ALICE", actor="t")


def test_unknown_users_are_not_found(accounts: AccountsService) -> None:
    with pytest.raises(NotFoundError):
        accounts.get_user("01HZZZZZZZZZZZZZZZZZZZZZZZ")
    with pytest.raises(NotFoundError):
        accounts.get_user_by_username("nobody")
    assert accounts.find_user_by_username("nobody") is None
    assert accounts.principal_for_user("nobody") is None


def test_a_short_password_is_refused(accounts: AccountsService) -> None:
    with pytest.raises(ValidationError, match="at least 8"):
        accounts.create_user("bob", password="short", actor="t")
    assert accounts.find_user_by_username("bob") is None


def test_passwords_and_pins_are_stored_only_as_hashes(accounts: AccountsService,
                                                      db: Database) -> None:
    user = accounts.create_user("bob", password="correct horse", pin="4711", actor="t")
    row = db.read(lambda c: c.execute(sa.select(users).where(users.c.id == user.id)).one())
    assert row.password_hash.startswith("$argon2id$")
    assert "4711" not in row.pin_hash and len(row.pin_hash) == 64
    assert row.legacy_pin_hash is None and row.id_number_hash is None
    assert user.has_password and user.has_pin and not user.has_id_number


def test_two_users_may_have_the_same_pin_and_their_digests_differ(
        accounts: AccountsService, db: Database) -> None:
    bob = accounts.create_user("bob", pin="4711", actor="t")
    carol = accounts.create_user("carol", actor="t")
    accounts.set_pin(carol.id, "4711", actor="t")
    dave = accounts.create_user("dave", pin="4711", actor="t")
    digests = db.read(lambda c: c.execute(sa.select(users.c.pin_hash)).scalars().all())
    assert len(set(digests)) == 3  # a leaked table does not show who shares a PIN
    for user in (bob, carol, dave):
        assert accounts.authenticate_username_and_pin(user.username, "4711").id == user.id


def test_a_pin_can_be_cleared(accounts: AccountsService) -> None:
    bob = accounts.create_user("bob", pin="4711", actor="t")
    accounts.set_pin(bob.id, None, actor="t")
    assert not accounts.get_user(bob.id).has_pin


def test_users_are_listed_by_page_with_a_total_and_filters(accounts: AccountsService) -> None:
    for name in ("carol", "alice", "bob"):
        accounts.create_user(name, department="Physics" if name != "bob" else "Art",
                             actor="t")
    accounts.create_user("zed", active=False, actor="t")
    page, total = accounts.list_users(offset=1, limit=2)
    assert [u.username for u in page] == ["bob", "carol"] and total == 4
    physics, count = accounts.list_users(query="PHYS")
    assert {u.username for u in physics} == {"alice", "carol"} and count == 2
    inactive, _ = accounts.list_users(active=False)
    assert [u.username for u in inactive] == ["zed"]


def test_a_search_for_a_percent_sign_matches_it_literally(accounts: AccountsService) -> None:
    accounts.create_user("alice", full_name="100% Alice", actor="t")
    accounts.create_user("bob", actor="t")
    found, _ = accounts.list_users(query="%")
    assert [u.username for u in found] == ["alice"]


def test_updates_change_only_the_given_fields(accounts: AccountsService) -> None:
    user = accounts.create_user("alice", full_name="A", email="a@x.org", actor="t")
    updated = accounts.update_user(user.id, department="Art", roles=["operator"],
                                   active=False, actor="t")
    assert (updated.full_name, updated.email, updated.department) == ("A", "a@x.org", "Art")
    assert updated.roles == {"operator", "user"} and not updated.active


def test_the_last_active_admin_cannot_be_demoted_or_disabled(
        accounts: AccountsService) -> None:
    root = accounts.create_user("root", roles=("admin",), actor="t")
    with pytest.raises(ConflictError, match="last active administrator"):
        accounts.update_user(root.id, roles=["user"], actor="t")
    with pytest.raises(ConflictError):
        accounts.update_user(root.id, active=False, actor="t")
    accounts.create_user("root2", roles=("admin",), actor="t")
    assert not accounts.update_user(root.id, active=False, actor="t").active


def test_admin_changes_are_audited_without_secrets(accounts: AccountsService,
                                                   db: Database) -> None:
    user = accounts.create_user("bob", password="secret-pass", pin="4711", actor="root")
    accounts.add_card(user.id, "CARD-99887766", actor="root")
    accounts.set_password(user.id, "other-secret", actor="root")
    rows = db.read(lambda c: c.execute(sa.select(audit_log).order_by(audit_log.c.id)).all())
    assert [r.action for r in rows] == ["user.create", "card.add", "user.password"]
    assert all(r.actor == "root" and r.target == user.id for r in rows)
    text = repr([dict(r._mapping) for r in rows])
    for secret in ("secret-pass", "4711", "99887766", "other-secret"):
        assert secret not in text
