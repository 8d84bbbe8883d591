"""Event notifications of the printer model (RFC 3995 / RFC 3996 ippget): subscriptions,
leases, sequence numbers, access, and bounds that hostile clients cannot get past."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    boolean,
    charset,
    integer,
    keyword,
    natural_language,
    octet_string,
    uri,
)
from printwarden.ipp.printer import IppPrinter, NotifyLimits, NullSink, PrinterDescription
from tests.ipp.server.model_support import Client, FakeTime, job_id, value, values

Op = Operation
S = StatusCode
SUB = DelimiterTag.SUBSCRIPTION


def pull(*events: str, extra: Iterable[Attribute] = ()) -> AttributeGroup:
    """A pull (ippget) subscription template for ``events`` and ``extra``."""
    attributes = [keyword("notify-pull-method", "ippget")]
    if events:
        attributes.append(keyword("notify-events", *events))
    return AttributeGroup(SUB, [*attributes, *extra])


def make(time: FakeTime | None = None, limits: NotifyLimits | None = None,
         delay: float | None = 0.0) -> Client:
    clock = (time or FakeTime()).clock()
    return Client(IppPrinter(PrinterDescription("model"), NullSink(), processing_delay=delay,
                             clock=clock, limits=limits))


def sub_groups(answer: IppMessage) -> list[AttributeGroup]:
    return answer.groups_with(SUB)


def events(answer: IppMessage) -> list[tuple[int, str, str]]:
    """(sequence, subscribed event, text) of each Event Notification group."""
    return [(int(g["notify-sequence-number"].value), str(g["notify-subscribed-event"].value),
             str(g["notify-text"].value))
            for g in answer.groups_with(DelimiterTag.EVENT_NOTIFICATION)]


def subscribe(client: Client, *groups: AttributeGroup) -> IppMessage:
    return asyncio.run(client(Op.CREATE_PRINTER_SUBSCRIPTIONS, groups=groups))


def notifications(client: Client, *ids: int, since: tuple[int, ...] = ()) -> IppMessage:
    extra = [integer("notify-sequence-numbers", *since)] if since else []
    return asyncio.run(client(Op.GET_NOTIFICATIONS, integer("notify-subscription-ids", *ids),
                              *extra))


def test_a_printer_subscription_collects_job_events_with_sequence_numbers() -> None:
    client = make()
    created = subscribe(client, pull("job-created", "job-completed"))
    assert created.status_code == S.SUCCESSFUL_OK
    group = sub_groups(created)[0]
    sid = int(group["notify-subscription-id"].value)
    assert group["notify-lease-duration"].value == 3600
    first = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"%PDF-1.4")))
    second = job_id(asyncio.run(client.as_("bob")(Op.PRINT_JOB, document=b"%PDF-1.4")))

    got = notifications(client, sid)
    assert got.status_code == S.SUCCESSFUL_OK
    assert [e[:2] for e in events(got)] == [(1, "job-created"), (2, "job-completed"),
                                            (3, "job-created"), (4, "job-completed")]
    assert [g["notify-job-id"].value for g in got.groups_with(DelimiterTag.EVENT_NOTIFICATION)
            ] == [first, first, second, second]
    assert value(got, DelimiterTag.OPERATION, "notify-get-interval") == 10
    # no job names or owners in events: another user's job is only a number
    assert all("bob" not in text and "alice" not in text for _, _, text in events(got))
    later = notifications(client, sid, since=(3,))
    assert [e[0] for e in events(later)] == [3, 4]


def test_a_job_subscription_ends_with_its_job_and_is_forgotten_after_the_event_life() -> None:
    time = FakeTime()
    client = make(time)
    printed = asyncio.run(client(Op.PRINT_JOB, document=b"%PDF-1.4",
                                 groups=[pull("job-completed")]))
    assert printed.status_code == S.SUCCESSFUL_OK
    sid = int(sub_groups(printed)[0]["notify-subscription-id"].value)
    assert "notify-lease-duration" not in sub_groups(printed)[0]  # it lasts as its job
    got = notifications(client, sid)
    assert got.status_code == S.SUCCESSFUL_OK_EVENTS_COMPLETE
    assert [e[1] for e in events(got)] == ["job-completed"]
    assert value(got, DelimiterTag.OPERATION, "notify-get-interval") is None
    time.now += 61
    gone = notifications(client, sid)
    assert gone.status_code == S.CLIENT_ERROR_NOT_FOUND


def test_leases_run_out_and_renew_extends_them_but_not_for_job_subscriptions() -> None:
    time = FakeTime()
    client = make(time)
    sid = int(sub_groups(subscribe(client, pull(
        "printer-state-changed", extra=(integer("notify-lease-duration", 100),))))[0][
        "notify-subscription-id"].value)
    time.now += 90
    renewed = asyncio.run(client(Op.RENEW_SUBSCRIPTION, integer("notify-subscription-id", sid),
                                 integer("notify-lease-duration", 100)))
    assert renewed.status_code == S.SUCCESSFUL_OK
    time.now += 90  # 180 s after creation, 90 after renewal: still there
    there = asyncio.run(client(Op.GET_SUBSCRIPTION_ATTRIBUTES,
                               integer("notify-subscription-id", sid)))
    assert there.status_code == S.SUCCESSFUL_OK
    time.now += 11
    lapsed = asyncio.run(client(Op.GET_SUBSCRIPTION_ATTRIBUTES,
                                integer("notify-subscription-id", sid)))
    assert lapsed.status_code == S.CLIENT_ERROR_NOT_FOUND

    job = asyncio.run(client(Op.CREATE_JOB, groups=[pull("job-completed")]))
    job_sid = int(sub_groups(job)[0]["notify-subscription-id"].value)
    renew_job = asyncio.run(client(Op.RENEW_SUBSCRIPTION,
                                   integer("notify-subscription-id", job_sid)))
    assert renew_job.status_code == S.CLIENT_ERROR_NOT_POSSIBLE


def test_only_the_owner_or_an_operator_reads_cancels_or_renews_a_subscription() -> None:
    client = make()
    sid = int(sub_groups(subscribe(client, pull(
        "job-completed", extra=(octet_string("notify-user-data", b"alice's tag"),))))[0][
        "notify-subscription-id"].value)
    bob = client.as_("bob")
    for operation in (Op.GET_NOTIFICATIONS, Op.CANCEL_SUBSCRIPTION, Op.RENEW_SUBSCRIPTION):
        name = "notify-subscription-ids" if operation == Op.GET_NOTIFICATIONS \
            else "notify-subscription-id"
        refused = asyncio.run(bob(operation, integer(name, sid)))
        assert refused.status_code == S.CLIENT_ERROR_NOT_AUTHORIZED, operation
    seen_by_bob = asyncio.run(bob(Op.GET_SUBSCRIPTION_ATTRIBUTES,
                                  integer("notify-subscription-id", sid)))
    assert seen_by_bob.status_code == S.SUCCESSFUL_OK
    group = sub_groups(seen_by_bob)[0]
    assert "notify-user-data" not in group and "notify-subscriber-user-name" not in group
    assert "notify-events" not in group
    own = asyncio.run(client(Op.GET_SUBSCRIPTION_ATTRIBUTES,
                             integer("notify-subscription-id", sid)))
    assert sub_groups(own)[0]["notify-user-data"].value == b"alice's tag"
    cancelled = asyncio.run(client.as_operator()(Op.CANCEL_SUBSCRIPTION,
                                                 integer("notify-subscription-id", sid)))
    assert cancelled.status_code == S.SUCCESSFUL_OK
    assert notifications(client, sid).status_code == S.CLIENT_ERROR_NOT_FOUND


def test_get_subscriptions_lists_printer_or_job_subscriptions_and_my_own() -> None:
    client = make(delay=None)
    subscribe(client, pull("job-completed"))
    subscribe(client.as_("bob"), pull("job-completed"))
    job = asyncio.run(client(Op.CREATE_JOB, groups=[pull("job-completed")]))
    listed = asyncio.run(client(Op.GET_SUBSCRIPTIONS))
    assert len(sub_groups(listed)) == 2  # the printer's
    everything = asyncio.run(client(Op.GET_SUBSCRIPTIONS,
                                    keyword("requested-attributes", "all")))
    assert len(sub_groups(everything)) == 2
    assert all("notify-printer-uri" in g for g in sub_groups(everything))
    only_mine = asyncio.run(client(Op.GET_SUBSCRIPTIONS, boolean("my-subscriptions", True)))
    assert len(sub_groups(only_mine)) == 1
    for_job = asyncio.run(client(Op.GET_SUBSCRIPTIONS, integer("notify-job-id", job_id(job))))
    assert len(sub_groups(for_job)) == 1


@pytest.mark.parametrize(("group", "status"), [
    (pull("job-completed", extra=(integer("notify-lease-duration", 2**31 - 1),)),
     S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED),
    (pull("job-completed", extra=(integer("notify-lease-duration", -1),)),
     S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED),
    (pull("no-such-event", "nor-this"), S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED),
    (AttributeGroup(SUB, [uri("notify-recipient-uri", "mailto:alice@example.org"),
                          keyword("notify-events", "job-completed")]),
     S.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED),
    (AttributeGroup(SUB, [uri("notify-recipient-uri", "ipp://evil.example/notify"),
                          keyword("notify-pull-method", "ippget")]), S.CLIENT_ERROR_BAD_REQUEST),
    (AttributeGroup(SUB, [keyword("notify-events", "job-completed")]),
     S.CLIENT_ERROR_BAD_REQUEST),
    (AttributeGroup(SUB, [keyword("notify-pull-method", "rss")]),
     S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED),
    (pull("job-completed", extra=(octet_string("notify-user-data", b"x" * 64),)),
     S.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG),
    (pull("job-completed", extra=(integer("notify-time-interval", -5),)),
     S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED),
    (pull("job-completed", extra=(natural_language("notify-natural-language", "x" * 900),)),
     S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED),
    (pull("job-completed", extra=(charset("notify-charset", "iso-8859-1"),)),
     S.CLIENT_ERROR_CHARSET_NOT_SUPPORTED),
])
def test_hostile_subscription_requests_are_refused_with_the_right_status(
        group: AttributeGroup, status: int) -> None:
    client = make()
    answer = subscribe(client, group)
    assert answer.status_code == S.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS
    answered = sub_groups(answer)[0]
    assert answered["notify-status-code"].value == status
    assert "notify-subscription-id" not in answered
    assert len(client.printer.core.subscriptions) == 0


def test_partly_supported_subscriptions_are_made_and_say_what_was_ignored() -> None:
    client = make(limits=NotifyLimits(max_events=2))
    answer = subscribe(client,
                       pull("job-completed", "bogus-event"),
                       pull("job-completed", "job-created", "printer-stopped"),
                       pull("job-completed", extra=(integer("notify-lease-duration", 0),)),
                       pull("job-completed", extra=(integer("notify-lease-duration", 10**7),)))
    assert answer.status_code == S.SUCCESSFUL_OK
    ignored, too_many, forever, long = sub_groups(answer)
    assert ignored["notify-status-code"].value == \
        S.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert values(answer, DelimiterTag.UNSUPPORTED, "notify-events") == ("bogus-event",)
    assert too_many["notify-status-code"].value == S.SUCCESSFUL_OK_TOO_MANY_EVENTS
    book = client.printer.core.subscriptions
    assert book.get(int(too_many["notify-subscription-id"].value)).events == (  # type: ignore[union-attr]
        "job-completed", "job-created")
    assert forever["notify-lease-duration"].value == 86400  # 0 = as long as allowed
    assert long["notify-lease-duration"].value == 86400


def test_thousands_of_subscriptions_stop_at_the_printers_and_the_users_caps() -> None:
    client = make()
    answer = subscribe(client, *[pull("job-completed") for _ in range(3000)])
    assert answer.status_code == S.SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS
    made = [g for g in sub_groups(answer) if "notify-subscription-id" in g]
    assert len(made) == 20  # the per-user cap
    refused = [g for g in sub_groups(answer) if "notify-subscription-id" not in g]
    assert {g["notify-status-code"].value for g in refused} == {
        S.CLIENT_ERROR_TOO_MANY_SUBSCRIPTIONS}
    for n in range(10):  # spoofed names get no more than the printer's cap
        subscribe(client.as_(f"spoof{n}"), *[pull("job-completed") for _ in range(50)])
    assert len(client.printer.core.subscriptions) == 100


def test_kept_events_are_bounded_per_subscription_and_sequence_numbers_go_on() -> None:
    client = make(limits=NotifyLimits(events_kept=5))
    sid = int(sub_groups(subscribe(client, pull("job-created")))[0][
        "notify-subscription-id"].value)

    async def many() -> None:
        for _ in range(12):
            await client(Op.CREATE_JOB)
    asyncio.run(many())
    kept = events(notifications(client, sid))
    assert [e[0] for e in kept] == [8, 9, 10, 11, 12]


def test_get_notifications_refuses_unknown_ids_and_bad_operands() -> None:
    client = make()
    assert notifications(client, 999).status_code == S.CLIENT_ERROR_NOT_FOUND
    empty = asyncio.run(client(Op.GET_NOTIFICATIONS))
    assert empty.status_code == S.CLIENT_ERROR_BAD_REQUEST
    sid = int(sub_groups(subscribe(client, pull("job-completed")))[0][
        "notify-subscription-id"].value)
    repeated = notifications(client, *([sid] * 5000))  # one subscription, asked 5000 times
    assert repeated.status_code == S.SUCCESSFUL_OK
    job = asyncio.run(client(Op.CREATE_JOB_SUBSCRIPTIONS, integer("notify-job-id", 4242),
                             groups=[pull("job-completed")]))
    assert job.status_code == S.CLIENT_ERROR_NOT_FOUND
