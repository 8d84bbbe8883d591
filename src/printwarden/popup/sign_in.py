"""Signing the pop-up in once: login + password for a user token named for this desktop
account (``POST /api/v1/popup/sign-in``), kept in the config directory afterwards."""

from __future__ import annotations

import socket

import httpx

from printwarden.popup.identity import Identity, os_user

TIMEOUT_SECONDS = 15.0


class SignInError(Exception):
    """The sign-in did not give a token; the message says why, for a person."""


def sign_in(server: str, login: str, password: str) -> Identity:
    me = os_user()
    try:
        answer = httpx.post(f"{server.rstrip('/')}/api/v1/popup/sign-in", timeout=TIMEOUT_SECONDS,
                            json={"login": login, "password": password, "os_user": me,
                                  "host": socket.gethostname()[:64]})
    except httpx.HTTPError as exc:
        raise SignInError(f"cannot reach {server}: {exc}") from exc
    if answer.status_code == 201:
        body = answer.json()
        return Identity(server=server.rstrip("/"), token=str(body["token"]),
                        user_id=str(body["user_id"]), username=str(body["username"]),
                        os_user=me, notice_cursor=int(body["notice_cursor"]))
    if answer.status_code == 401:
        raise SignInError("the login or the password is wrong")
    if answer.status_code == 429:
        raise SignInError("too many failed sign-ins: wait "
                          f"{answer.headers.get('Retry-After', 'a minute')} seconds")
    try:
        message = str(answer.json().get("message", ""))
    except ValueError:
        message = answer.text[:200]
    raise SignInError(f"the server refused the sign-in ({answer.status_code}): {message}")
