from __future__ import annotations

import pytest

from printwarden.accounts.service import AccountsService
from printwarden.core.errors import ConflictError, NotFoundError


def test_group_names_are_unique_regardless_of_case(accounts: AccountsService) -> None:
    staff = accounts.create_group("Staff", description="Teachers", actor="t")
    assert accounts.find_group_by_name("staff") == staff
    assert accounts.get_group(staff.id).description == "Teachers"
    with pytest.raises(ConflictError):
        accounts.create_group("STAFF", actor="t")


def test_members_and_groups_of_a_user_mirror_each_other(accounts: AccountsService) -> None:
    staff = accounts.create_group("staff", actor="t")
    maths = accounts.create_group("maths", actor="t")
    alice = accounts.create_user("alice", actor="t")
    bob = accounts.create_user("bob", actor="t")
    accounts.add_member(staff.id, alice.id, actor="t")
    accounts.add_member(staff.id, alice.id, actor="t")  # twice: no change
    accounts.add_member(staff.id, bob.id, actor="t")
    accounts.add_member(maths.id, alice.id, actor="t")
    assert [u.username for u in accounts.members(staff.id)] == ["alice", "bob"]
    assert [g.name for g in accounts.groups_of(alice.id)] == ["maths", "staff"]
    accounts.remove_member(staff.id, alice.id, actor="t")
    assert [g.name for g in accounts.groups_of(alice.id)] == ["maths"]
    assert [g.name for g in accounts.list_groups()] == ["maths", "staff"]


def test_memberships_of_unknown_groups_users_or_members_are_not_found(
        accounts: AccountsService) -> None:
    staff = accounts.create_group("staff", actor="t")
    alice = accounts.create_user("alice", actor="t")
    with pytest.raises(NotFoundError):
        accounts.add_member("01HZZZZZZZZZZZZZZZZZZZZZZZ", alice.id, actor="t")
    with pytest.raises(NotFoundError):
        accounts.add_member(staff.id, "01HZZZZZZZZZZZZZZZZZZZZZZZ", actor="t")
    with pytest.raises(NotFoundError):
        accounts.remove_member(staff.id, alice.id, actor="t")
