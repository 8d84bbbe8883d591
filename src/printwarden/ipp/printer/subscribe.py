"""Reading subscription template groups (RFC 3995 section 5.3) into subscriptions.

Each subscription-attributes group of a request is judged on its own; the answer has one
group per request group, with notify-subscription-id when it was created and
notify-status-code when it was not (or only partly) taken:

- ``notify-pull-method`` must be ``ippget`` (the only delivery method: pull); any
  ``notify-recipient-uri`` (a push method: mailto, ipp, rss, ...) is refused with
  client-error-uri-scheme-not-supported; neither, or both: client-error-bad-request.
- ``notify-events``: unknown keywords are ignored (successful-ok-ignored-or-substituted-
  attributes), beyond notify-max-events-supported they are dropped
  (successful-ok-too-many-events); none left: client-error-attributes-or-values-not-
  supported.
- ``notify-lease-duration`` (printer subscriptions): 0 ("as long as possible") or more
  than notify-lease-duration-supported's upper bound gets that bound; a value outside
  the attribute's syntax (negative, above 67108863, not one integer) is refused. A job
  subscription lives as long as its job: a lease given for one is ignored.
- ``notify-user-data`` at most 63 octets, ``notify-charset`` utf-8/us-ascii,
  ``notify-time-interval`` an integer >= 0; anything else refuses the group.
- The printer's and the owner's caps: client-error-too-many-subscriptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from printwarden.ipp.attributes import Attribute, AttributeGroup, enum, integer
from printwarden.ipp.printer.events import NOTIFY_EVENTS
from printwarden.ipp.printer.subscriptions import Subscription, SubscriptionBook
from printwarden.ipp.status import StatusCode
from printwarden.ipp.tags import DelimiterTag, ValueTag

__all__ = ["Outcome", "create_subscriptions", "outcome_groups", "overall_status"]

MAX_LEASE_SYNTAX = 67108863
"""RFC 3995: notify-lease-duration is integer(0:67108863)."""
_S = StatusCode


@dataclass(slots=True)
class Outcome:
    """How one requested subscription went: created (``subscription``) or refused."""

    status: int
    subscription: Subscription | None = None
    unsupported: list[Attribute] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, status: int, attribute: Attribute | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.attribute = attribute


def _one(group: AttributeGroup, attribute_name: str, *tags: int) -> Attribute | None:
    found = group.get(attribute_name)
    if found is not None and (len(found.values) != 1 or found.tag not in tags):
        raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, found)
    return found


def _integer(found: Attribute | None) -> int | None:
    if found is None:
        return None
    value = found.value
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, found)
    return value


def _method(group: AttributeGroup) -> None:
    recipient = group.get("notify-recipient-uri")
    pull = _one(group, "notify-pull-method", ValueTag.KEYWORD)
    if recipient is not None and pull is not None:
        raise _Refused(_S.CLIENT_ERROR_BAD_REQUEST)
    if recipient is not None:
        raise _Refused(_S.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED, recipient)
    if pull is None:
        raise _Refused(_S.CLIENT_ERROR_BAD_REQUEST)
    if pull.value != "ippget":
        raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, pull)


def _events(group: AttributeGroup, book: SubscriptionBook, default: tuple[str, ...],
            outcome: Outcome) -> tuple[str, ...]:
    found = group.get("notify-events")
    if found is None:
        return default
    if any(tag != ValueTag.KEYWORD for tag, _ in found.tagged_values()):
        raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, found)
    asked = list(dict.fromkeys(str(v) for v in found.values))
    known = [event for event in asked if event in NOTIFY_EVENTS]
    if not known:
        raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, found)
    if len(known) < len(asked):
        outcome.status = _S.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
        outcome.unsupported.append(Attribute("notify-events", ValueTag.KEYWORD,
                                             tuple(e for e in asked if e not in known)))
    if len(known) > book.limits.max_events:
        outcome.status = _S.SUCCESSFUL_OK_TOO_MANY_EVENTS
        known = known[:book.limits.max_events]
    return tuple(known)


def _lease(group: AttributeGroup, book: SubscriptionBook, job_id: int | None,
           outcome: Outcome) -> int:
    found = _one(group, "notify-lease-duration", ValueTag.INTEGER)
    lease = _integer(found)
    if job_id is not None:
        if found is not None:
            outcome.status = _S.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
            outcome.unsupported.append(found)
        return 0
    if lease is None:
        return book.limits.lease_default
    if lease < 0 or lease > MAX_LEASE_SYNTAX:
        raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, found)
    return book.limits.lease_max if lease == 0 else min(lease, book.limits.lease_max)


def _subscribe(book: SubscriptionBook, group: AttributeGroup, *, owner: str, printer_uri: str,
               job_id: int | None, default_events: tuple[str, ...]) -> Outcome:
    outcome = Outcome(_S.SUCCESSFUL_OK)
    try:
        _method(group)
        events = _events(group, book, default_events, outcome)
        lease = _lease(group, book, job_id, outcome)
        user_data = _one(group, "notify-user-data", ValueTag.OCTET_STRING)
        data = b"" if user_data is None else user_data.value
        if not isinstance(data, bytes) or len(data) > 63:
            raise _Refused(_S.CLIENT_ERROR_REQUEST_VALUE_TOO_LONG, user_data)
        charset = _one(group, "notify-charset", ValueTag.CHARSET)
        if charset is not None and str(charset.value).lower() not in ("utf-8", "us-ascii"):
            raise _Refused(_S.CLIENT_ERROR_CHARSET_NOT_SUPPORTED, charset)
        language = _one(group, "notify-natural-language", ValueTag.NATURAL_LANGUAGE)
        if language is not None and len(str(language.value)) > 63:  # naturalLanguage(63)
            raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, language)
        interval = _integer(_one(group, "notify-time-interval", ValueTag.INTEGER)) or 0
        if interval < 0:
            raise _Refused(_S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                           group.get("notify-time-interval"))
        if not book.room_for(owner):
            raise _Refused(_S.CLIENT_ERROR_TOO_MANY_SUBSCRIPTIONS)
    except _Refused as refused:
        if refused.attribute is not None:
            outcome.unsupported.append(refused.attribute)
        return Outcome(refused.status, None, outcome.unsupported)
    outcome.subscription = book.add(
        owner=owner, events=events, printer_uri=printer_uri, job_id=job_id, lease=lease,
        user_data=data, charset=str(charset.value).lower() if charset else "utf-8",
        language=str(language.value) if language else "en", time_interval=interval)
    return outcome


def create_subscriptions(book: SubscriptionBook, groups: Iterable[AttributeGroup], *,
                         owner: str, printer_uri: str, job_id: int | None = None,
                         default_events: tuple[str, ...]) -> list[Outcome]:
    return [_subscribe(book, group, owner=owner, printer_uri=printer_uri, job_id=job_id,
                       default_events=default_events) for group in groups]


def outcome_groups(outcomes: Iterable[Outcome]) -> list[AttributeGroup]:
    """One subscription-attributes group per requested subscription, in request order."""
    groups = []
    for outcome in outcomes:
        group = AttributeGroup(DelimiterTag.SUBSCRIPTION)
        if outcome.subscription is not None:
            group.add(integer("notify-subscription-id", outcome.subscription.id))
            if outcome.subscription.job_id is None:
                group.add(integer("notify-lease-duration", outcome.subscription.lease))
        if outcome.status != _S.SUCCESSFUL_OK:
            group.add(enum("notify-status-code", outcome.status))
        groups.append(group)
    return groups


def overall_status(outcomes: list[Outcome], *, creates_job: bool) -> int:
    """successful-ok, successful-ok-ignored-subscriptions, or (when the operation only
    creates subscriptions and none was made) client-error-ignored-all-subscriptions."""
    made = [o for o in outcomes if o.subscription is not None]
    if len(made) == len(outcomes):
        return _S.SUCCESSFUL_OK
    if made or creates_job:
        return _S.SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS
    return _S.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS
