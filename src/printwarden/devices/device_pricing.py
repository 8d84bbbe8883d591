"""Which price list a device prices with, which devices a queue's job may print at, and
the rule that keeps a release group in one currency.

A release queue's job is reserved for the dearest device of its release group, so that
releasing it at any device of the group stays covered; comparing prices needs one
currency, so every device of a release group must price (with its own list, its pricing
group's or the default) in the same currency. ``check_release_currencies`` runs inside
the write that could break that, after the change, and raises (rolling it back).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.engine import Connection

from printwarden.core.errors import ConflictError
from printwarden.devices import fleet_store, store
from printwarden.devices.device_model import PriceTarget
from printwarden.devices.model import PricedDevice, effective_price_list
from printwarden.devices.ports import PriceListCurrencies


class QueueTargets(Protocol):
    """What finding a queue's devices reads of it (a ``Queue`` or a view of one)."""

    @property
    def device_id(self) -> str | None: ...
    @property
    def release_group_id(self) -> str | None: ...


def price_list_of_in(conn: Connection, device: PricedDevice) -> str | None:
    """The device's price list, else its pricing group's; ``None`` = the default list."""
    if device.price_list_id or device.group_id is None:
        return device.price_list_id
    return effective_price_list(device, store.get_group(conn, device.group_id))


def price_targets_in(conn: Connection, queue: QueueTargets) -> list[PriceTarget]:
    """Direct queue: its device. Release queue: every device of its release group (the
    disabled ones too: one may be enabled again before the job is released)."""
    if queue.device_id is not None:
        found = [fleet_store.get_device(conn, queue.device_id)]
    elif queue.release_group_id is not None:
        found = fleet_store.group_members(conn, queue.release_group_id)
    else:
        found = []
    return [PriceTarget(device_id=d.id, device_name=d.name, enabled=d.enabled,
                        price_list_id=price_list_of_in(conn, d)) for d in found]


def check_release_currencies(conn: Connection, price_lists: PriceListCurrencies,
                             release_group_ids: Iterable[str]) -> None:
    """ConflictError when a release group's devices would price in several currencies."""
    for group_id in sorted(set(release_group_ids)):
        by_currency: dict[str, list[str]] = {}
        for device in fleet_store.group_members(conn, group_id):
            currency = price_lists.price_list_currency_in(conn, price_list_of_in(conn, device))
            by_currency.setdefault(currency, []).append(device.name)
        if len(by_currency) > 1:
            group = fleet_store.get_release_group(conn, group_id)
            detail = "; ".join(f"{currency}: {', '.join(names)}"
                               for currency, names in sorted(by_currency.items()))
            raise ConflictError(
                f"release group {group.name!r} would mix currencies ({detail}): a release "
                "queue's job is reserved at the dearest device of its group, so all its "
                "devices must price in one currency")


def release_groups_priced_by(conn: Connection, device_ids: Iterable[str]) -> set[str]:
    """The release groups that contain any of ``device_ids``."""
    return {group_id for device_id in device_ids
            for group_id in fleet_store.release_groups_of(conn, device_id)}
