"""Splitting device URIs into the parts each backend needs, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["Target", "parse_network_uri"]


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    """The path without its leading slash, percent-decoded ("" when absent)."""


def parse_network_uri(uri: str, *, schemes: tuple[str, ...], default_port: int) -> Target:
    """``scheme://host[:port][/path]`` -> Target; ValueError naming what is wrong."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise ValueError(f"{uri!r}: expected a {' or '.join(schemes)} URI")
    if not parts.hostname:
        raise ValueError(f"{uri!r}: no host (expected {scheme}://host[:port]/...)")
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError(f"{uri!r}: the port is not a number between 0 and 65535") from None
    if port == 0:
        raise ValueError(f"{uri!r}: port 0 is not a device port")
    return Target(scheme, parts.hostname, port, unquote(parts.path.lstrip("/")))
