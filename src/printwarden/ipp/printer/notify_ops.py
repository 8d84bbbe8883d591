"""Subscription and notification operations (RFC 3995, RFC 3996 ``ippget``):
Create-Printer-Subscriptions, Create-Job-Subscriptions, Get-Subscription-Attributes,
Get-Subscriptions, Renew-Subscription, Cancel-Subscription and Get-Notifications.

A subscription belongs to who created it: only its owner or an operator may renew,
cancel or read its notifications (client-error-not-authorized otherwise); others may see
that it exists, without its events, user data or owner. A job subscription is for the
job's owner or an operator to make. Get-Notifications answers at once (it does not hold
the connection for notify-wait) with notify-get-interval, the seconds to wait before the
next poll; once every subscription asked about has ended and its events were fetched,
the status is successful-ok-events-complete.
"""

from __future__ import annotations

from printwarden.ipp.attributes import (
    Attribute,
    AttributeGroup,
    charset,
    integer,
    keyword,
    name,
    natural_language,
    octet_string,
    text,
    uri,
)
from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, boolean_operand, integer_operand, user_of
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.requested import requested_names, select_subscription_attributes
from printwarden.ipp.printer.subscribe import create_subscriptions, outcome_groups, overall_status
from printwarden.ipp.printer.subscriptions import Notification, Subscription
from printwarden.ipp.server.protocol import IppRequest
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag

__all__ = [
    "cancel_subscription", "create_job_subscriptions", "create_printer_subscriptions",
    "get_notifications", "get_subscription_attributes", "get_subscriptions",
    "renew_subscription",
]

_S = StatusCode
#: Subscription attributes shown only to the owner and operators (as CUPS has them).
_PRIVATE = frozenset({"notify-events", "notify-pull-method", "notify-subscriber-user-name",
                      "notify-user-data"})


async def _create(core: PrinterEngine, request: IppRequest, job_id: int | None) -> IppMessage:
    groups = request.message.groups_with(DelimiterTag.SUBSCRIPTION)
    if not groups:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "no subscription attributes group")
    outcomes = create_subscriptions(core.subscriptions, groups, owner=user_of(request),
                                    printer_uri=request.printer_uri, job_id=job_id,
                                    default_events=("job-completed",))
    return answer(request, overall_status(outcomes, creates_job=False),
                  groups=outcome_groups(outcomes),
                  unsupported=[a for o in outcomes for a in o.unsupported])


async def create_printer_subscriptions(core: PrinterEngine, request: IppRequest) -> IppMessage:
    return await _create(core, request, None)


async def create_job_subscriptions(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job_id = integer_operand(request, "notify-job-id")
    if job_id is None:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "notify-job-id is required")
    job = core.jobs.get(job_id)
    if not (request.who.operator or request.who.owns(job.user)):
        raise IppError(_S.CLIENT_ERROR_NOT_AUTHORIZED, f"job {job.id} belongs to another user")
    if job.state.is_terminal:
        raise IppError(_S.CLIENT_ERROR_NOT_POSSIBLE, f"job {job.id} has ended")
    return await _create(core, request, job.id)


def _subscription(core: PrinterEngine, request: IppRequest, *, own: bool) -> Subscription:
    subscription_id = integer_operand(request, "notify-subscription-id")
    if subscription_id is None:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "notify-subscription-id is required")
    found = core.subscriptions.get(subscription_id)
    if found is None:
        raise IppError(_S.CLIENT_ERROR_NOT_FOUND, f"no subscription {subscription_id}")
    if own and not request.who.may_see(found.owner):
        raise IppError(_S.CLIENT_ERROR_NOT_AUTHORIZED,
                       f"subscription {found.id} belongs to another user")
    return found


def _attributes(core: PrinterEngine, subscription: Subscription,
                visible: bool) -> list[Attribute]:
    attributes = [
        integer("notify-subscription-id", subscription.id),
        uri("notify-subscription-uuid", subscription.uuid),
        uri("notify-printer-uri", subscription.printer_uri),
        *([integer("notify-job-id", subscription.job_id)] if subscription.job_id else []),
        name("notify-subscriber-user-name", subscription.owner[:255]),
        keyword("notify-events", *subscription.events),
        keyword("notify-pull-method", "ippget"),
        *([integer("notify-lease-duration", subscription.lease),
           integer("notify-lease-expiration-time",
                   core.clock.up_time() + core.subscriptions.seconds_left(subscription))]
          if subscription.job_id is None else []),
        integer("notify-time-interval", subscription.time_interval),
        *([octet_string("notify-user-data", subscription.user_data)]
          if subscription.user_data else []),
        charset("notify-charset", subscription.charset),
        natural_language("notify-natural-language", subscription.language),
        integer("notify-sequence-number", subscription.sequence),
        integer("notify-printer-up-time", core.clock.up_time()),
    ]
    return attributes if visible else [a for a in attributes if a.name not in _PRIVATE]


def _group(core: PrinterEngine, request: IppRequest, subscription: Subscription,
           requested: frozenset[str]) -> AttributeGroup:
    visible = request.who.may_see(subscription.owner)
    return AttributeGroup(DelimiterTag.SUBSCRIPTION, select_subscription_attributes(
        _attributes(core, subscription, visible), requested))


async def get_subscription_attributes(core: PrinterEngine, request: IppRequest) -> IppMessage:
    subscription = _subscription(core, request, own=False)
    return answer(request, groups=[_group(core, request, subscription,
                                          requested_names(request.message))])


async def get_subscriptions(core: PrinterEngine, request: IppRequest) -> IppMessage:
    job_id = integer_operand(request, "notify-job-id")
    if job_id is not None:
        core.jobs.get(job_id)  # client-error-not-found for an unknown job
    limit = integer_operand(request, "limit")
    mine = boolean_operand(request, "my-subscriptions")
    who = request.who
    found = [s for s in core.subscriptions if s.job_id == job_id
             and (not mine or who.owns(s.owner))]
    if limit is not None and limit > 0:
        found = found[:limit]
    requested = requested_names(request.message, default=("notify-subscription-id",))
    return answer(request, groups=[_group(core, request, s, requested) for s in found])


async def renew_subscription(core: PrinterEngine, request: IppRequest) -> IppMessage:
    subscription = _subscription(core, request, own=True)
    if subscription.job_id is not None:
        raise IppError(_S.CLIENT_ERROR_NOT_POSSIBLE, "a job subscription lasts as its job")
    lease = integer_operand(request, "notify-lease-duration")
    limits = core.subscriptions.limits
    if lease is not None and not 0 <= lease <= 67108863:
        raise IppError(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                       "notify-lease-duration out of range")
    granted = limits.lease_default if lease is None else (
        limits.lease_max if lease == 0 else min(lease, limits.lease_max))
    core.subscriptions.renew(subscription, granted)
    group = AttributeGroup(DelimiterTag.SUBSCRIPTION,
                           [integer("notify-lease-duration", granted)])
    return answer(request, groups=[group])


async def cancel_subscription(core: PrinterEngine, request: IppRequest) -> IppMessage:
    subscription = _subscription(core, request, own=True)
    core.subscriptions.cancel(subscription.id)
    return answer(request)


def _integers(request: IppRequest, attribute_name: str) -> list[int] | None:
    found = request.message.get(DelimiterTag.OPERATION, attribute_name)
    if found is None:
        return None
    if any(not isinstance(v, int) or isinstance(v, bool) for v in found.values):
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, f"{attribute_name} are integers")
    return [int(v) for v in found.values]  # type: ignore[arg-type]


def _event_group(subscription: Subscription, notification: Notification) -> AttributeGroup:
    occurrence = notification.occurrence
    return AttributeGroup(DelimiterTag.EVENT_NOTIFICATION, [
        charset("notify-charset", subscription.charset),
        natural_language("notify-natural-language", subscription.language),
        integer("notify-subscription-id", subscription.id),
        uri("notify-printer-uri", subscription.printer_uri),
        keyword("notify-subscribed-event", notification.subscribed_event),
        integer("notify-sequence-number", notification.sequence),
        integer("printer-up-time", occurrence.up_time),
        text("notify-text", occurrence.text),
        *([octet_string("notify-user-data", subscription.user_data)]
          if subscription.user_data else []),
        *occurrence.attributes,
    ])


async def get_notifications(core: PrinterEngine, request: IppRequest) -> IppMessage:
    ids = _integers(request, "notify-subscription-ids")
    if not ids:
        raise IppError(_S.CLIENT_ERROR_BAD_REQUEST, "notify-subscription-ids is required")
    sequences = _integers(request, "notify-sequence-numbers") or []
    boolean_operand(request, "notify-wait")  # checked; the answer never waits
    wanted: dict[int, int] = {}
    for index, subscription_id in enumerate(ids):
        sequence = sequences[index] if index < len(sequences) else 1
        wanted[subscription_id] = min(wanted.get(subscription_id, sequence), sequence)
    subscriptions = []
    for subscription_id in wanted:
        found = core.subscriptions.get(subscription_id)
        if found is None:
            raise IppError(_S.CLIENT_ERROR_NOT_FOUND, f"no subscription {subscription_id}")
        if not request.who.may_see(found.owner):
            raise IppError(_S.CLIENT_ERROR_NOT_AUTHORIZED,
                           f"subscription {subscription_id} belongs to another user")
        subscriptions.append(found)
    groups = [_event_group(s, n) for s in subscriptions for n in s.since(wanted[s.id])]
    complete = all(s.ended is not None for s in subscriptions)
    response = answer(request, _S.SUCCESSFUL_OK_EVENTS_COMPLETE if complete else _S.SUCCESSFUL_OK,
                      groups=groups)
    operation = response.operation_attributes
    assert operation is not None
    if not complete:
        operation.add(integer("notify-get-interval", core.subscriptions.limits.get_interval))
    operation.add(integer("printer-up-time", core.clock.up_time()))
    return response
