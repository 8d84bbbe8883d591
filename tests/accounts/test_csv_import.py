from __future__ import annotations

import pytest

from printwarden.accounts.service import AccountsService
from printwarden.core.errors import ValidationError

CSV = """username,full_name,email,department,groups,card,pin,roles
alice,Alice A,alice@x.org,Maths,staff;maths,CARD-1,1111,operator
bad name,Broken,,,,,,
bob,Bob B,,Art,staff,,2222,
carol,Carol C,,,,,12,
"""


def test_an_import_creates_users_groups_cards_and_reports_bad_lines(
        accounts: AccountsService) -> None:
    report = accounts.import_users_csv(CSV, actor="t")
    assert (report.created, report.updated, report.skipped) == (2, 0, 0)
    assert [line for line, _ in report.errors] == [3, 5]
    assert "username" in report.errors[0][1] and "PIN" in report.errors[1][1]
    alice = accounts.get_user_by_username("alice")
    assert alice.roles == {"operator", "user"} and alice.has_pin
    assert accounts.authenticate_card("card-1").id == alice.id
    assert accounts.authenticate_username_and_pin("bob", "2222").username == "bob"
    assert [g.name for g in accounts.groups_of(alice.id)] == ["maths", "staff"]
    assert accounts.find_user_by_username("carol") is None


def test_importing_the_same_file_again_updates_and_changes_nothing_else(
        accounts: AccountsService) -> None:
    accounts.import_users_csv(CSV, actor="t")
    again = accounts.import_users_csv(CSV.replace("Alice A", "Alice Z"), actor="t")
    assert (again.created, again.updated) == (0, 2)
    assert accounts.get_user_by_username("alice").full_name == "Alice Z"
    assert len(accounts.list_cards(accounts.get_user_by_username("alice").id)) == 1


def test_existing_users_are_skipped_when_updates_are_off(accounts: AccountsService) -> None:
    accounts.create_user("alice", full_name="Original", actor="t")
    report = accounts.import_users_csv("username,full_name\nalice,Changed\n", actor="t",
                                       update_existing=False)
    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    assert accounts.get_user_by_username("alice").full_name == "Original"


def test_a_line_with_a_card_of_another_user_is_rejected_alone(
        accounts: AccountsService) -> None:
    owner = accounts.create_user("owner", actor="t")
    accounts.add_card(owner.id, "CARD-9", actor="t")
    report = accounts.import_users_csv("username,card,groups\nzoe,CARD-9,new\nyan,,new\n",
                                       actor="t")
    assert report.created == 1 and report.errors[0][0] == 2
    assert accounts.find_user_by_username("zoe") is None
    group = accounts.find_group_by_name("new")
    assert group is not None
    assert [u.username for u in accounts.members(group.id)] == ["yan"]


def test_a_csv_without_a_username_header_is_refused(accounts: AccountsService) -> None:
    with pytest.raises(ValidationError, match="header"):
        accounts.import_users_csv("alice,Alice\n", actor="t")


def test_the_report_counts_every_line_and_its_failures(accounts: AccountsService) -> None:
    lines = ["username,full_name,pin"]
    for i in range(300):
        if i % 20 < 11:  # 165 bad lines: a name with a blank, a PIN too short, a long name
            lines.append([f"bad {i},,", f"user{i},,12", f"user{i},{'x' * 201},"][i % 3])
        else:
            lines.append(f"user{i},User {i},")
    report = accounts.import_users_csv("\n".join(lines) + "\n", actor="t")
    assert report.failed == len(report.errors) == 165
    assert report.created == 135
    assert report.created + report.updated + report.skipped + report.failed == 300
    assert report.summary() == "created 135, updated 0, skipped 0, failed 165"
    assert any("longer than 200" in message for _, message in report.errors)


def test_a_field_over_the_csv_limit_refuses_the_file_and_imports_nothing(
        accounts: AccountsService) -> None:
    text = "username,full_name\nann,Ann\nbob," + "x" * (128 * 1024 + 1) + "\n"
    with pytest.raises(ValidationError, match="malformed at line 3"):
        accounts.import_users_csv(text, actor="t")
    assert accounts.find_user_by_username("ann") is None
