"""What Get-Printer-Attributes, Get-Jobs and Get-Job-Attributes answer: requested-attributes
groups, the versions claimed, supplies, and other users' private values."""

from __future__ import annotations

import asyncio

import pytest

from printwarden.ipp import (
    SUPPORTED_VERSIONS,
    DelimiterTag,
    Operation,
    boolean,
    integer,
    keyword,
    name,
)
from printwarden.ipp.printer import (
    IPP_VERSIONS,
    IppPrinter,
    NullSink,
    PrinterDescription,
    device_supplies,
)
from printwarden.ipp.printer.supplies import MAX_ENTRIES, Supply, supply_level
from printwarden.ipp.server import NOBODY, Requester
from tests.ipp.server.model_support import Client, FakeTime, job_id, value, values

Op = Operation
P = DelimiterTag.PRINTER
J = DelimiterTag.JOB


def make() -> Client:
    return Client(IppPrinter(PrinterDescription("model"), NullSink(), processing_delay=None,
                             clock=FakeTime().clock()))


def printer_names(client: Client, *requested: str) -> set[str]:
    extra = [keyword("requested-attributes", *requested)] if requested else []
    answer = asyncio.run(client(Op.GET_PRINTER_ATTRIBUTES, *extra))
    group = answer.group(P)
    assert group is not None
    return set(group)


@pytest.mark.parametrize("requested", [(), ("all",), ("printer-description",),
                                       ("job-template",), ("printer-description",
                                                           "job-template")])
def test_no_group_brings_media_col_database(requested: tuple[str, ...]) -> None:
    assert "media-col-database" not in printer_names(make(), *requested)


def test_media_col_database_asked_alone_comes_alone_and_with_all_comes_too() -> None:
    client = make()
    assert printer_names(client, "media-col-database") == {"media-col-database"}
    everything = printer_names(client, "all", "media-col-database")
    assert "media-col-database" in everything and "printer-name" in everything


def test_the_groups_split_description_from_job_template() -> None:
    client = make()
    description = printer_names(client, "printer-description")
    template = printer_names(client, "job-template")
    assert "printer-name" in description and "copies-default" not in description
    assert "copies-default" in template and "printer-name" not in template
    assert "job-priority-supported" in template and "notify-events-supported" in description
    assert description | template == printer_names(client)  # and 'all' is both
    assert printer_names(client, "printer-name", "no-such-attribute") == {"printer-name"}
    assert printer_names(client, "none") == set()


def test_ipp_versions_supported_claims_exactly_the_versions_implemented() -> None:
    answer = asyncio.run(make()(Op.GET_PRINTER_ATTRIBUTES,
                                keyword("requested-attributes", "ipp-versions-supported")))
    claimed = values(answer, P, "ipp-versions-supported")
    assert claimed == IPP_VERSIONS == ("1.1", "2.0", "2.1", "2.2")
    accepted = {f"{major}.{minor}" for major, minor in SUPPORTED_VERSIONS}
    assert set(claimed) <= accepted  # every claimed version is answered


def test_a_printer_without_supply_reports_answers_an_unknown_supply_and_no_alert() -> None:
    answer = asyncio.run(make()(Op.GET_PRINTER_ATTRIBUTES))
    supply = values(answer, P, "printer-supply")
    assert len(supply) == 1 and b"type=unknown" in supply[0] and b"level=-2" in supply[0]
    assert len(values(answer, P, "printer-supply-description")) == 1
    assert value(answer, P, "printer-supply-info-uri") == "http://127.0.0.1:631/ipp/print/model"
    assert values(answer, P, "printer-alert") == (b"",)
    assert values(answer, P, "printer-alert-description") == ("",)


def test_supplies_from_a_device_are_cleaned_and_bounded() -> None:
    hostile = [b"index=1;type=toner;level=80;\x1b[2J\xff", "l\u00e9vel=\u0661\u0662;"] + [
        f"index={n};level=5;".encode() for n in range(2, 200)]
    supplies = device_supplies(hostile, ["Black \x00toner", "x" * 5000])
    assert len(supplies) == MAX_ENTRIES
    assert supplies[0].value == "index=1;type=toner;level=80;[2J"
    assert supplies[0].description == "Black toner"
    assert supplies[1].value == "lvel=;" and len(supplies[1].description) == 255
    assert supply_level(Supply("level=-3;", "")) == "ok"
    assert supply_level(Supply("unit=sheets;maxcapacity=500;level=250;", "")) == "50%"
    assert supply_level(Supply("level=nan;", "")) == "unknown"


def test_other_users_see_job_names_owners_and_messages_hidden() -> None:
    client = make()
    alices = job_id(asyncio.run(client(Op.PRINT_JOB, name("job-name", "salaries.pdf"),
                                       document=b"x")))
    requested = keyword("requested-attributes", "job-name", "job-originating-user-name",
                        "job-state-message")

    def seen_by(someone: Client) -> tuple[object, ...]:
        answer = asyncio.run(someone(Op.GET_JOB_ATTRIBUTES, integer("job-id", alices),
                                     requested))
        return (value(answer, J, "job-name"), value(answer, J, "job-originating-user-name"),
                value(answer, J, "job-state-message"))
    assert seen_by(client) == ("salaries.pdf", "alice", "Queued")
    assert seen_by(client.as_("bob")) == ("(hidden)", "(hidden)", "pending")
    assert seen_by(client.as_operator()) == ("salaries.pdf", "alice", "Queued")
    listed = asyncio.run(client.as_("bob")(Op.GET_JOBS, requested))
    assert [g["job-name"].value for g in listed.groups_with(J)] == ["(hidden)"]
    page = client.printer.summary(Requester("bob"))
    assert [(j.name, j.user) for j in page.jobs] == [("(hidden)", "(hidden)")]
    assert [(j.name, j.user) for j in client.printer.summary(Requester("alice")).jobs] == [
        ("salaries.pdf", "alice")]


def test_my_jobs_means_the_requesters_own_and_nobody_owns_none() -> None:
    client = make()
    asyncio.run(client(Op.PRINT_JOB, document=b"x"))
    asyncio.run(client.as_("bob")(Op.PRINT_JOB, document=b"x"))
    mine = asyncio.run(client(Op.GET_JOBS, boolean("my-jobs", True),
                              keyword("requested-attributes", "job-originating-user-name")))
    assert [g["job-originating-user-name"].value for g in mine.groups_with(J)] == ["alice"]
    nobody = Client(client.printer, "alice", NOBODY)  # claims alice, established as no one
    theirs = asyncio.run(nobody(Op.GET_JOBS, boolean("my-jobs", True)))
    assert theirs.groups_with(J) == []
    shown = asyncio.run(nobody(Op.GET_JOBS, keyword("requested-attributes", "job-name")))
    assert {g["job-name"].value for g in shown.groups_with(J)} == {"(hidden)"}
