"""Signing in to the admin pages in tests: an admin (or any role) over the test client."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.device_pages_world import DeviceWorld, csrf_of


def sign_in(http: TestClient, dw: DeviceWorld, username: str = "root",
            roles: tuple[str, ...] = ("admin",)) -> str:
    """Create ``username`` with ``roles``, sign in, answer the session's CSRF token."""
    dw.server.accounts.create_user(username, password="root-pass-12", roles=list(roles),
                                   actor="t")
    token = csrf_of(http.get("/login").text)
    answer = http.post("/login", data={"username": username, "password": "root-pass-12",
                                       "csrf": token})
    assert answer.status_code == 200, answer.text  # followed the redirect home
    return csrf_of(http.get("/login").text)
