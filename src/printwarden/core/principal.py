"""Who is calling: a user, an agent, a terminal, a site remote, or nobody (every context)."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "operator", "user", "terminal", "agent", "remote")


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "agent" | "terminal" | "remote" | "anonymous"
    id: str
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, *roles: str) -> bool:
        """True when the principal holds any of ``roles`` (admin holds every user-side role)."""
        if "admin" in self.roles and not {"agent", "terminal", "remote"} & set(roles):
            return True
        return bool(self.roles & set(roles))


ANONYMOUS = Principal(kind="anonymous", id="", name="anonymous")
