"""Signing the pop-up in once: login + password for a user token named for this desktop
account (``POST /api/v1/popup/sign-in``), kept in the config directory afterwards; and
the health probe the channel's failover uses.

With several servers (one database, preferred first) a sign-in that cannot reach one goes
to the next. Should a server sign in but its answer be lost, the token it made is never
used: it shows in the person's token list under this desktop's name and can be revoked.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

import httpx

from printwarden.core.server_list import NoServerAnswers, ServerList, failed_status
from printwarden.popup.identity import Identity, os_user

TIMEOUT_SECONDS = 15.0
HEALTH_TIMEOUT_SECONDS = 2.0


def server_ready(url: str) -> bool:
    """``GET url/readyz`` answers 200: the server and its database are up."""
    try:
        return httpx.get(url + "/readyz", timeout=HEALTH_TIMEOUT_SECONDS).status_code == 200
    except httpx.HTTPError:
        return False


class SignInError(Exception):
    """The sign-in did not give a token; the message says why, for a person."""


def _failure(answer: httpx.Response) -> str | None:
    """A 5xx said in words, with the server's own message when it gives one (a remote
    answers ``central_only``: sign in at central)."""
    why = failed_status(answer.status_code)
    if why is None:
        return None
    try:
        message = str(answer.json().get("message", ""))
    except (ValueError, AttributeError):
        message = ""
    return f"{why} ({message[:200]})" if message else why


def _post(servers: ServerList, body: dict[str, str]) -> httpx.Response:
    """The first answer below 500 of the servers in order."""
    try:
        return servers.first_answer(
            lambda url: httpx.post(f"{url}/api/v1/popup/sign-in", timeout=TIMEOUT_SECONDS,
                                   json=body),
            _failure,
            (httpx.HTTPError,))
    except NoServerAnswers as exc:
        raise SignInError(f"no server signed you in (cannot reach one, or it refused): "
                          f"{exc}") from exc


def sign_in(server: str | Sequence[str], login: str, password: str) -> Identity:
    """``server``: one URL or several, preferred first; the identity names the first."""
    me = os_user()
    servers = ServerList(server)
    answer = _post(servers, {"login": login, "password": password, "os_user": me,
                             "host": socket.gethostname()[:64]})
    if answer.status_code == 201:
        body = answer.json()
        return Identity(server=servers.preferred_url, token=str(body["token"]),
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
