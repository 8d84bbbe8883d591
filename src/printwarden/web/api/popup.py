"""REST + WebSocket: the pop-up channel (protocol in docs/protocols/popup.md).

    POST /api/v1/popup/sign-in                    {login, password, os_user, host} -> token
    GET  /api/v1/popup/questions                  the caller's open questions
    POST /api/v1/popup/questions/{id}/answer      {choice}
    GET  /api/v1/popup/notices?after=N            the caller's notices after the cursor N
    WS   /api/v1/popup/ws?after=N                 questions and notices pushed, answers taken

Only users (a user token or the web session) reach these routes, and only their own
questions: ``QuestionService`` refuses anyone else's. The HTTP routes serve a web page or a
script; the desktop pop-up keeps the WebSocket (``popup_channel.py``).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket
from starlette.concurrency import run_in_threadpool

from printwarden.container import ServerContainer
from printwarden.core.errors import (
    AuthenticationFailed,
    PermissionDenied,
    PrintwardenError,
    ServiceUnavailable,
    TooManyAttempts,
)
from printwarden.core.principal import Principal
from printwarden.web.api.popup_channel import (
    WS_BAD_REQUEST,
    WS_POLICY_VIOLATION,
    WS_TRY_AGAIN_LATER,
    PopupChannel,
)
from printwarden.web.api.popup_schemas import (
    AnswerIn,
    NoticeOut,
    NoticePage,
    QuestionOut,
    SignInIn,
    SignInOut,
)
from printwarden.web.deps import AnyUser, Container, client_source, ws_bearer_token

router = APIRouter(prefix="/api/v1/popup", tags=["pop-up"])

#: The largest notice cursor taken (far beyond any table, inside a 64-bit integer).
MAX_CURSOR = 2**62


def token_name(os_user: str, host: str) -> str:
    """``popup: OS_USER@HOST``, printable characters only: how a person recognises the
    token in the token list (and revokes it) and what binds it to a desktop account."""
    def clean(text: str) -> str:
        return "".join(c if unicodedata.category(c)[0] not in "CZ" else "_"
                       for c in text.strip())[:64] or "?"

    name = f"popup: {clean(os_user)}" + (f"@{clean(host)}" if host.strip() else "")
    return name[:100]


@router.post("/sign-in", response_model=SignInOut, status_code=201,
             summary="Sign the pop-up in once with login and password: a user token")
def sign_in(body: SignInIn, container: Container, request: Request) -> SignInOut:
    """At a remote: 503 ``central_only`` (``web/central_only.py``). Its tokens are
    central's, replicated; one made here would be unknown at central, so the pop-up would
    be signed out (401) as soon as it went back to central. The pop-up signs in at central
    once; its token then works at both, the remote cut off or not."""
    user = container.accounts.authenticate_password(body.login, body.password,
                                                    source=client_source(request))
    name = token_name(body.os_user, body.host)
    plain, token = container.accounts.create_api_token(user.id, name,
                                                       actor=f"user:{user.username}")
    return SignInOut(token=plain, token_id=token.id, token_name=token.name, user_id=user.id,
                     username=user.username,
                     notice_cursor=container.notices.last_id(user.id))


def _user(principal: Principal) -> Principal:
    if principal.kind != "user":
        raise PermissionDenied("questions are asked of users")
    return principal


@router.get("/questions", response_model=list[QuestionOut],
            summary="The caller's open questions, oldest first")
def open_questions(container: Container, principal: AnyUser) -> list[QuestionOut]:
    return [QuestionOut.of(q) for q in container.questions.open_for(_user(principal).id)]


@router.post("/questions/{question_id}/answer", response_model=QuestionOut,
             summary="Answer one of the caller's open questions with one of its options")
def answer_question(question_id: str, body: AnswerIn, container: Container,
                    principal: AnyUser) -> QuestionOut:
    return QuestionOut.of(container.questions.answer(_user(principal), question_id[:64],
                                                     body.choice))


@router.get("/notices", response_model=NoticePage,
            summary="The caller's notices after the cursor, oldest first (a page)")
def list_notices(container: Container, principal: AnyUser,
                 after: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0) -> NoticePage:
    found = container.notices.since(_user(principal).id, after)
    return NoticePage(items=[NoticeOut.of(n) for n in found],
                      cursor=found[-1].id if found else after)


async def _ws_user(websocket: WebSocket, container: ServerContainer) -> tuple[Principal, str]:
    token = ws_bearer_token(websocket)
    if not token:
        raise AuthenticationFailed("send 'Authorization: Bearer pwu_...' or ?token=")
    source = websocket.client.host if websocket.client else ""
    principal = await run_in_threadpool(container.authenticate_bearer, token, source=source)
    if principal.kind != "user":
        raise AuthenticationFailed("the pop-up channel is for users")
    return principal, token


def _cursor(websocket: WebSocket) -> int | None:
    """``?after=N`` (ASCII digits only, within range); absent or malformed: None."""
    raw = websocket.query_params.get("after", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_CURSOR:
        return int(raw)
    return None


@router.websocket("/ws")
async def popup_ws(websocket: WebSocket) -> None:
    """Push the user's questions and notices as JSON; take answers and pings."""
    container: ServerContainer = websocket.app.state.container
    # Accepted first, refused after: a client sees the close code and its reason (a
    # refusal before the handshake completes is a bare HTTP 403).
    await websocket.accept()
    try:
        principal, token = await _ws_user(websocket, container)
    except (TooManyAttempts, ServiceUnavailable) as exc:  # throttled, or a remote that has
        # not pulled the token yet: not refused, the client keeps its token
        await websocket.close(code=WS_TRY_AGAIN_LATER, reason=exc.message[:120])
        return
    except PrintwardenError as exc:
        await websocket.close(code=WS_POLICY_VIOLATION, reason=exc.message[:120])
        return
    after = _cursor(websocket)
    if websocket.query_params.get("after") is not None and after is None:
        await websocket.close(code=WS_BAD_REQUEST,
                              reason="after must be a notice id (ASCII digits)")
        return
    await PopupChannel(websocket, container, principal, token, after).run()
