"""What operators set on a printer (RFC 8011, RFC 3380, PWG 5100.11/5100.22) and how it
combines with what the printer reports of itself.

``PrinterStatus`` is what the printer (or, on the agent, the queue and its device)
reports; ``PrinterControls`` is what an operator decided: paused, not accepting, holding
new jobs, shut down, a message. ``effective_state`` merges the two, so both printer kinds
answer printer-state, printer-state-reasons and printer-is-accepting-jobs the same way:
a paused or shut-down printer is ``stopped``; a disabled or shut-down one accepts no jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["EffectiveState", "PrinterControls", "effective_state"]

IDLE, PROCESSING, STOPPED = 3, 4, 5


@dataclass(slots=True)
class PrinterControls:
    """Operator state of one printer; ``overrides`` are Set-Printer-Attributes values
    (printer-info, printer-location, ...) by name."""

    paused: bool = False
    accepting: bool = True
    hold_new_jobs: bool = False
    shutdown: bool = False
    message_from_operator: str = ""
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def stops_processing(self) -> bool:
        return self.paused or self.shutdown

    def as_dict(self) -> dict[str, object]:
        return {"paused": self.paused, "accepting": self.accepting,
                "hold_new_jobs": self.hold_new_jobs, "shutdown": self.shutdown,
                "message_from_operator": self.message_from_operator,
                "overrides": dict(self.overrides)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PrinterControls:
        """The inverse of ``as_dict``; unknown or mistyped entries take their defaults."""
        overrides = data.get("overrides")
        message = data.get("message_from_operator")

        def flag(key: str, default: bool) -> bool:
            value = data.get(key, default)
            return value if isinstance(value, bool) else default

        return cls(paused=flag("paused", False), accepting=flag("accepting", True),
                   hold_new_jobs=flag("hold_new_jobs", False), shutdown=flag("shutdown", False),
                   message_from_operator=message if isinstance(message, str) else "",
                   overrides={str(k): str(v) for k, v in overrides.items()}
                   if isinstance(overrides, dict) else {})


@dataclass(frozen=True, slots=True)
class EffectiveState:
    state: int
    reasons: tuple[str, ...]
    message: str
    accepting: bool


def effective_state(state: int, reasons: tuple[str, ...], message: str, accepting: bool,
                    controls: PrinterControls, *, busy: bool) -> EffectiveState:
    """The printer-state, -reasons, -message and -is-accepting-jobs clients see."""
    extra: list[str] = []
    if controls.shutdown:
        extra.append("shutdown")
    if controls.paused:
        extra.append("moving-to-paused" if busy else "paused")
    if controls.hold_new_jobs:
        extra.append("hold-new-jobs")
    if not extra:
        return EffectiveState(state, reasons, message, accepting and controls.accepting)
    kept = tuple(r for r in reasons if r != "none")
    merged = tuple(dict.fromkeys((*kept, *extra)))
    stopped = controls.stops_processing and not busy
    shown = "Shut down" if controls.shutdown else "Paused" if controls.paused else message
    return EffectiveState(STOPPED if stopped else state, merged,
                          shown if controls.stops_processing else message,
                          accepting and controls.accepting and not controls.shutdown)
