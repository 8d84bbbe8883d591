"""Throttling and auditing sign-in attempts, for every method and every caller.

An attempt says where it comes from: ``source`` (the client's address, or what the caller
uses in its place, e.g. ``agent:ID/ADDRESS``) and ``terminal`` (an opaque terminal id;
"" when the attempt is not made at a terminal). It is counted under these keys, each in
its own throttle (``core/throttle.py``), and must be allowed by all of them:

    key                       throttle (setting)                         methods
    source:ADDRESS            login_source_rate_limit_per_minute         all
    terminal:ID               terminal_rate_limit_per_minute             all, at a terminal
    pin:user:USER_ID          pin_rate_limit_per_minute, over 24 h       card + PIN,
    pin:card:DIGEST12 /                                                  username + PIN
      pin:name:NAME           (the card or name when it is nobody's)
    user:NAME@ADDRESS         login_rate_limit_per_minute                username + password

A card or name that is nobody's is counted like a known one, so the throttle's answers
say nothing about who exists. Each attempt is counted before its secret is checked
(``AttemptThrottle.attempt``, atomic): concurrent guesses cannot share one free slot.
A success takes its count back (and a password's ``user:`` key is forgotten).

Every attempt that reaches the check of its secret and fails writes ``auth.failure`` to
the audit log: the method, who was tried (the username as typed when it is a valid
username, or the card's digest prefix; never a secret, never an ID number), the
terminal, the source, and ``retry_after``: the seconds the next attempt from there must
wait (0: none). Attempts the throttle refuses cost nothing and write nothing: a guess
loop leaves at most its allowance of audit lines a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from printwarden.accounts.model import USERNAME_PATTERN
from printwarden.accounts.service_base import AccountsBase
from printwarden.core.errors import AuthenticationFailed, TooManyAttempts
from printwarden.core.throttle import AttemptThrottle

BAD_CREDENTIALS = "invalid credentials"
#: Sources and terminal ids are the caller's strings: bounded in keys and audit lines.
MAX_PLACE = 200
#: How much of a card's digest the audit log and the PIN key keep: enough to tell
#: attempts on one card from another's, useless for finding the number.
CARD_PREFIX = 12


@dataclass(frozen=True)
class Gate:
    """One throttle and the keys an attempt is counted under in it."""

    throttle: AttemptThrottle
    keys: tuple[str, ...]
    #: Forget the keys' failures on success (else only this attempt is taken back).
    reset_on_success: bool = False


@dataclass(frozen=True)
class Place:
    """Where an attempt comes from (bounded)."""

    source: str
    terminal: str

    @classmethod
    def of(cls, source: str, terminal: str) -> Place:
        return cls(source=source[:MAX_PLACE], terminal=terminal[:MAX_PLACE])


def typed_name(username: str) -> str:
    """The username for an audit line: as typed when it is a valid username, else a
    marker (what is typed in a name field may be a password typed one field too soon)."""
    name = username.strip()
    return name if USERNAME_PATTERN.fullmatch(name) else "(not a username)"


class SignInAttemptsMixin(AccountsBase):
    def _place_gates(self, place: Place) -> list[Gate]:
        gates = [Gate(self._source_throttle, (f"source:{place.source}",))]
        if place.terminal:
            gates.append(Gate(self._terminal_throttle, (f"terminal:{place.terminal}",)))
        return gates

    def _pin_gate(self, user_id: str | None, unknown_key: str) -> Gate:
        key = f"pin:user:{user_id}" if user_id is not None else f"pin:{unknown_key}"
        return Gate(self._pin_throttle, (key,))

    @staticmethod
    def _precheck(gates: Sequence[Gate]) -> None:
        """Refuse early (before any database read) what the throttles refuse anyway."""
        for gate in gates:
            gate.throttle.check(gate.keys)

    @staticmethod
    def _enter(gates: Sequence[Gate]) -> list[datetime]:
        """Count the attempt in every gate, or in none (TooManyAttempts)."""
        taken: list[datetime] = []
        try:
            for gate in gates:
                taken.append(gate.throttle.attempt(gate.keys))
        except TooManyAttempts:
            for gate, at in zip(gates, taken, strict=False):
                gate.throttle.forgive(gate.keys, at)
            raise
        return taken

    @staticmethod
    def _succeeded(gates: Sequence[Gate], taken: Sequence[datetime]) -> None:
        for gate, at in zip(gates, taken, strict=True):
            if gate.reset_on_success:
                for key in gate.keys:
                    gate.throttle.reset(key)
            else:
                gate.throttle.forgive(gate.keys, at)

    def _failed(self, method: str, gates: Sequence[Gate], place: Place, *,
                user_id: str | None, **who: str) -> NoReturn:
        """Audit the failure and raise the one answer every failure gets."""
        retry_after = max((gate.throttle.retry_after(gate.keys) for gate in gates), default=0)
        self._audit.record("anonymous", "auth.failure", user_id or "", method=method, **who,
                           terminal=place.terminal, source=place.source,
                           retry_after=retry_after)
        raise AuthenticationFailed(BAD_CREDENTIALS)
