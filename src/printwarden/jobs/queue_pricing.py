"""What a job of a queue costs: priced for the device that prints it.

A direct queue's job is priced at its device (its own price list, else its pricing
group's, else the default). A release queue's job may be released at any device of its
release group, so at authorize it is priced at the **dearest** device of the group for
this job: the reservation then covers a release anywhere in the group, and the charge
at release (the releasing device's price, a later part) can only be the same or less.
Until release picks a device, completion prices the same way, so a release queue's job
is never charged more than was reserved.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from printwarden.jobs.ports import Devices, Ledger, QueueView
from printwarden.ledger.model import CostBreakdown, JobSpec


@dataclass(frozen=True)
class Quote:
    cost: CostBreakdown
    device_name: str


class Unpriceable(Exception):
    """The queue has nothing to print at, or its devices disagree on the currency."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def quote_for_queue(conn: Connection, ledger: Ledger, devices: Devices, queue: QueueView,
                    spec: JobSpec, *, printable: bool = True) -> Quote:
    """The job's cost at the device that prints it (a release queue: the dearest).

    ``printable``: refuse a direct queue whose device is disabled (authorize); a job that
    already printed (complete) is priced all the same."""
    targets = devices.price_targets_in(conn, queue)
    if not targets:
        raise Unpriceable(f"Queue '{queue.name}' has no printer to print at: ask your "
                          "administrator.")
    if printable and not queue.hold_for_release and not targets[0].enabled:
        raise Unpriceable(f"Printer '{targets[0].device_name}' is disabled.")
    by_list: dict[str | None, Quote] = {}
    for target in targets:  # each price list once: a group often shares one
        if target.price_list_id not in by_list:
            cost = ledger.cost_in(conn, target.price_list_id, spec)
            by_list[target.price_list_id] = Quote(cost, target.device_name)
    quotes = list(by_list.values())
    currencies = sorted({quote.cost.total.currency for quote in quotes})
    if len(currencies) > 1:
        raise Unpriceable(f"Queue '{queue.name}' cannot be priced: its printers price in "
                          f"{' and '.join(currencies)}; ask your administrator.")
    return max(quotes, key=lambda quote: quote.cost.total.minor)
