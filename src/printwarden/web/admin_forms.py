"""What the admin pages share: who may see them, and reading form fields a person typed.

Invariants:

- every admin page answers an anonymous visitor with a redirect to ``/login`` and anyone
  without the admin role with 403 (``PermissionDenied``), before it reads anything;
- a number typed in a form is ASCII digits only: ``int()`` would take Arabic-Indic or
  fullwidth digits, which a person did not mean as a port; a number out of range is a
  field message, never an exception that reaches the user;
- a field error names its field (``FieldErrors``), so the page shows it next to the input
  and keeps what the admin typed.
"""

from __future__ import annotations

import re

from fastapi.responses import RedirectResponse, Response

from printwarden.core.errors import PermissionDenied
from printwarden.core.principal import Principal

__all__ = ["FieldErrors", "admin_or_login", "ascii_int", "checked", "field_of_message"]

#: Field name -> what is wrong with it ("" for the form as a whole).
FieldErrors = dict[str, str]
_DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)


def admin_or_login(principal: Principal) -> Response | None:
    """A redirect to the sign-in page for an anonymous visitor; PermissionDenied (403)
    for anyone who is not an admin; None for an admin."""
    if principal.kind == "anonymous":
        return RedirectResponse("/login", status_code=303)
    if not principal.has_role("admin"):
        raise PermissionDenied("needs role admin")
    return None


def ascii_int(text: str, what: str, low: int, high: int) -> int:
    """``text`` as a whole number in ASCII digits from ``low`` to ``high``, else
    ValueError with a message for the person who typed it."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"{what} must be a whole number in ASCII digits (0-9)")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{what} must be from {low} to {high}")
    return value


def checked(value: str | None) -> bool:
    """An HTML checkbox: present (any value) is on, absent is off."""
    return value is not None and value != ""


def field_of_message(message: str, fields: dict[str, tuple[str, ...]]) -> str:
    """The field a service's message is about (the first whose words it contains), else
    "" (the form as a whole)."""
    lowered = message.lower()
    for field, words in fields.items():
        if any(word in lowered for word in words):
            return field
    return ""
