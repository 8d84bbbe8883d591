"""A kiosk's sign-in, kept in the signed session cookie of the kiosk's browser.

Invariants:

- A kiosk session names one user and ONE device (``device``): it is honoured only on the
  pages of that device, so a tablet signed in at X can list and release nothing at Y.
- It ends ``kiosk_idle_seconds`` after its last request, whatever the page does: the
  server drops it on the first request that comes later (``current``), so a page left open
  or a replayed cookie is worthless after the idle time.
- It is not a web session: signing in at a kiosk clears the cookie's web sign-in (and the
  other way round, ``/login`` clears the kiosk), so a shared tablet never carries anyone's
  portal session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request

KIOSK_KEY = "kiosk"


@dataclass(frozen=True)
class KioskSignIn:
    user_id: str
    device_id: str


def begin(request: Request, user_id: str, device_id: str, now: datetime) -> None:
    """Sign ``user_id`` in at ``device_id``'s kiosk (any earlier sign-in is dropped)."""
    request.session.clear()
    request.session[KIOSK_KEY] = {"user": user_id, "device": device_id,
                                  "seen": int(now.timestamp())}


def current(request: Request, device_id: str, now: datetime,
            idle_seconds: int) -> KioskSignIn | None:
    """The kiosk sign-in valid at ``device_id`` now (its idle clock restarted), or None;
    an expired one is removed."""
    held = request.session.get(KIOSK_KEY)
    if not isinstance(held, dict):
        return None
    seen = held.get("seen")
    user_id, device = held.get("user"), held.get("device")
    if not (isinstance(seen, int) and isinstance(user_id, str) and isinstance(device, str)):
        end(request)
        return None
    stamp = int(now.timestamp())
    if stamp - seen >= idle_seconds or stamp < seen - 5:
        end(request)
        return None
    if device != device_id:
        return None
    request.session[KIOSK_KEY] = {**held, "seen": stamp}
    return KioskSignIn(user_id, device)


def end(request: Request) -> None:
    request.session.pop(KIOSK_KEY, None)
