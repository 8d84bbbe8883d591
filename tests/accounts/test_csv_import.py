from __future__ import annotations

import pytest
import sqlalchemy as sa

from printwarden.accounts.service import AccountsService
from printwarden.core.clock import FixedClock
from printwarden.core.errors import ConflictError, ValidationError
from printwarden.db.audit import AuditLog
from printwarden.db.core_tables import audit_log
from printwarden.db.engine import Database
from tests.accounts.conftest import CARD_KEY

FULLWIDTH_8 = "\uff18" * 8

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


def test_twenty_thousand_users_with_four_digit_pins_are_imported(
        accounts: AccountsService) -> None:
    lines = ["username,pin,card"] + [f"user{i:05d},{i % 10_000:04d},CARD{i:05d}"
                                     for i in range(20_000)]
    seen: list[tuple[int, int]] = []
    report = accounts.import_users_csv("\n".join(lines) + "\n", actor="t",
                                       progress=lambda done, total: seen.append((done, total)))
    assert report.summary() == "created 20000, updated 0, skipped 0, failed 0"
    assert seen[-1] == (20_000, 20_000) and seen == sorted(seen) and len(seen) == 40
    # every PIN is shared by two users, and each works with its own user's card or name
    assert accounts.authenticate_card_and_pin("CARD00042", "0042").username == "user00042"
    assert accounts.authenticate_card_and_pin("CARD10042", "0042").username == "user10042"
    assert accounts.authenticate_username_and_pin("user19999", "9999").username == "user19999"


def test_id_numbers_in_the_file_follow_the_rules_line_by_line(
        accounts: AccountsService) -> None:
    owner = accounts.create_user("owner", actor="t")
    accounts.set_id_number(owner.id, "99990000", actor="t")
    text = ("username,id_number,pin\n"
            "ann,12345678,1234\n"  # fine
            "ben,1234567,1234\n"  # too short
            f"cy,{FULLWIDTH_8},1234\n"  # not ASCII
            "dee,99990000,1234\n"  # someone else's
            "eve,55555555,\n"
            "fay,55555555,\n")  # the same as the line before
    report = accounts.import_users_csv(text, actor="t")
    assert report.created == 2
    assert [line for line, _ in report.errors] == [3, 4, 5, 7]
    assert "8 to 18 digits" in report.errors[0][1] and "ASCII" in report.errors[1][1]
    assert "in use" in report.errors[2][1] and "in use" in report.errors[3][1]
    assert accounts.authenticate_id_number("12345678").username == "ann"
    assert accounts.authenticate_id_number("55555555").username == "eve"
    assert accounts.find_user_by_username("fay") is None
    assert accounts.authenticate_username_and_pin("ann", "1234").username == "ann"


def test_generated_id_numbers_are_reported_once_and_not_made_again(
        accounts: AccountsService) -> None:
    accounts.create_user("old", actor="t")  # exists, has no number: gets one
    kept = accounts.create_user("kept", actor="t")
    accounts.set_id_number(kept.id, "10203040", actor="t")
    text = "username,id_number\nold,\nkept,\nnew1,\nnew2,\nchosen,31313131\n"
    report = accounts.import_users_csv(text, actor="t", generate_id_numbers=True)
    assert (report.created, report.updated, report.failed) == (3, 2, 0)
    assert [(line, name) for line, name, _ in report.id_numbers] == [
        (2, "old"), (4, "new1"), (5, "new2")]
    for _, name, number in report.id_numbers:
        assert len(number) == 8 and accounts.authenticate_id_number(number).username == name
    assert accounts.authenticate_id_number("10203040").username == "kept"
    assert accounts.authenticate_id_number("31313131").username == "chosen"
    again = accounts.import_users_csv(text, actor="t", generate_id_numbers=True)
    assert again.id_numbers == [] and again.updated == 5
    assert accounts.authenticate_id_number(report.id_numbers[0][2]).username == "old"


def test_an_import_that_would_crowd_the_id_numbers_is_refused_whole(
        db: Database, clock: FixedClock, audit: AuditLog) -> None:
    from tests.accounts.test_id_numbers import _fill

    accounts = AccountsService(db, clock, audit, CARD_KEY)
    _fill(db, 9_990)
    text = "username\n" + "".join(f"u{i}\n" for i in range(10))
    with pytest.raises(ConflictError, match="id_number_length to 9"):
        accounts.import_users_csv(text, actor="t", generate_id_numbers=True)
    assert accounts.find_user_by_username("u0") is None
    report = accounts.import_users_csv("username\n" + "".join(f"u{i}\n" for i in range(9)),
                                       actor="t", generate_id_numbers=True)
    assert len(report.id_numbers) == 9  # 9,999: the last that fit 8 digits


def test_twenty_thousand_users_get_generated_id_numbers(db: Database, clock: FixedClock,
                                                       audit: AuditLog) -> None:
    accounts = AccountsService(db, clock, audit, CARD_KEY, id_number_length=9)
    lines = ["username,pin"] + [f"user{i:05d},{i % 10_000:04d}" for i in range(20_000)]
    report = accounts.import_users_csv("\n".join(lines) + "\n", actor="t",
                                       generate_id_numbers=True)
    assert report.created == 20_000 and report.failed == 0
    numbers = [number for _, _, number in report.id_numbers]
    assert len(set(numbers)) == 20_000 and {len(n) for n in numbers} == {9}
    line, name, number = report.id_numbers[12_345]
    assert accounts.authenticate_id_number(number).username == name == f"user{line - 2:05d}"


def test_new_users_inserted_together_are_recorded_as_one_by_one(
        accounts: AccountsService, db: Database) -> None:
    """The fast path (new users) and the line-by-line path (a name twice) write the same."""
    text = ("username,full_name,groups,card,pin,id_number,roles\n"
            "fast,Fast F,staff;Staff;maths,CARD-F,1234,11112222,operator\n"
            "slow,Slow S,staff;Staff;maths,CARD-S,1234,33334444,operator\n"
            "slow,Slow S,,,,,operator\n")
    report = accounts.import_users_csv(text, actor="t")
    assert (report.created, report.updated, report.failed) == (2, 1, 0)
    fast, slow = (accounts.get_user_by_username(n) for n in ("fast", "slow"))
    assert (fast.roles, fast.has_pin, fast.has_id_number) == (
        slow.roles, slow.has_pin, slow.has_id_number) == ({"operator", "user"}, True, True)
    assert [g.name for g in accounts.groups_of(fast.id)] == [
        g.name for g in accounts.groups_of(slow.id)] == ["maths", "staff"]
    rows = db.read(lambda c: c.execute(sa.select(audit_log)).mappings().all())

    def actions(user_id: str) -> list[tuple[str, list[str]]]:
        mine = [r for r in rows if r["target"] == user_id or
                r["detail"].get("user_id") == user_id]
        return sorted((r["action"], sorted(r["detail"])) for r in mine
                      if r["action"] != "user.update")  # the third line's update

    assert actions(fast.id) == actions(slow.id)
    assert accounts.authenticate_card_and_pin("CARD-F", "1234").id == fast.id
    assert accounts.authenticate_id_number("33334444").id == slow.id
