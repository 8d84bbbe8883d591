"""What the notifier knows how to say: the event kinds, which of them go to a person (a
pop-up notice, an e-mail from a template) and which a webhook endpoint may subscribe to.

Every kind is a webhook event type. The kinds that concern one user (``USER_KINDS``) also
post a pop-up notice and, when their template is enabled and the user has an address, an
e-mail.
"""

from __future__ import annotations

#: Kinds that concern one user, with the pop-up notice kind each posts.
USER_KINDS: dict[str, str] = {
    "job.denied": "denied",
    "balance.low": "low-balance",
    "job.held_expiring": "expiring",
    "job.completed": "completed",
}

#: Every event a webhook endpoint may subscribe to (``*`` in an endpoint: all of them).
WEBHOOK_EVENTS: tuple[str, ...] = (
    "job.completed",   # a job printed: the receipt (pages, copies, cost charged)
    "job.failed",      # a job failed at the device (what printed before is charged)
    "job.cancelled",   # a job was cancelled (nothing charged unless pages printed)
    "job.denied",      # authorize refused a job (the reason, the balance and the cost)
    "job.held_expiring",  # a held job expires soon unless released
    "balance.low",     # an account went below the low-balance threshold
    "ledger.entry",    # any ledger entry (charge, refund, top-up, allocation, ...)
    "webhook.test",    # sent by an admin's "send test" on one endpoint
)
ALL_EVENTS = "*"

#: Kinds an e-mail template exists for (the same as the user kinds).
TEMPLATE_KINDS: tuple[str, ...] = tuple(USER_KINDS)


def check_kind(kind: str) -> str:
    if kind not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return kind


def subscribed(events: tuple[str, ...] | list[str], kind: str) -> bool:
    """An endpoint subscribed to ``events`` takes ``kind`` (``webhook.test`` is sent only
    on request, never by subscription)."""
    if kind == "webhook.test":
        return False
    return ALL_EVENTS in events or kind in events
