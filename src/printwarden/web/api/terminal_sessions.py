"""Terminal protocol v1, sessions (``docs/protocols/terminal.md``): sign a person in at
the terminal, list and release his held jobs at the terminal's device, copy sessions,
sign out. Every route needs the terminal's token; a session of another terminal reads as
no session at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.release.held_jobs import ReleaseOutcome
from printwarden.release.service import MAX_JOBS_PER_REQUEST
from printwarden.release.session_model import CopyReport, TerminalSession
from printwarden.release.terminal_answers import request_hash
from printwarden.release.terminal_sessions import CopyClose
from printwarden.web.api.agent_link_schemas import MoneyOut
from printwarden.web.api.release import HeldJobOut, Id, OutcomeOut
from printwarden.web.api.terminal_link import TerminalOnly
from printwarden.web.deps import Container, client_source

router = APIRouter(prefix="/api/v1/terminal/sessions", tags=["terminal protocol"])

Short = Annotated[str, Field(default="", max_length=200)]
#: ``Idempotency-Key``: the same key again (a retry, e.g. on another server) gets the first
#: answer instead of doing the request twice (``release/terminal_answers.py``).
RequestKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[!-~]+$",
    description="printable ASCII, at most 100; a retry sends the same key")]


class SignInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["card", "card_pin", "username_pin", "username_password", "id_number",
                    "register_card"]
    card: Short = ""
    pin: Short = ""
    username: Short = ""
    password: Short = ""
    id_number: Short = ""


class UserOut(BaseModel):
    username: str
    full_name: str


class SessionOut(BaseModel):
    session_id: str
    user: UserOut
    balance: MoneyOut
    may_spend: MoneyOut | None = Field(description="null: no limit")
    idle_timeout_seconds: int
    copy_state: str
    released: list[OutcomeOut] = Field(default_factory=list, description=(
        "only in the sign-in answer: the jobs a device with release_on_sign_in released "
        "(empty otherwise)"))


class JobsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    job_ids: list[Id] | None = Field(default=None, max_length=MAX_JOBS_PER_REQUEST,
                                     description="omit: every held job of the user")


class PriceRuleOut(BaseModel):
    media: str
    color: str
    sides: str
    per_page: MoneyOut
    per_sheet: MoneyOut


class CopyOut(BaseModel):
    session_id: str
    may_spend: MoneyOut = Field(description="reserved at open; reports past it are refused")
    spent: MoneyOut
    next_seq: int
    price_list: str
    prices: list[PriceRuleOut]


class CountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=1, le=1_000_000, strict=True)
    pages: int = Field(ge=0, le=10_000, strict=True)
    color_pages: int = Field(default=0, ge=0, le=10_000, strict=True)
    media: str = Field(default="iso_a4_210x297mm", min_length=1, max_length=100)
    duplex: bool = Field(default=False, strict=True)


class CountOut(BaseModel):
    accepted: bool = Field(description="false: a repeat of the last report, not counted")
    spent: MoneyOut
    remaining: MoneyOut
    next_seq: int


class CopyCloseOut(BaseModel):
    session_id: str
    charged: MoneyOut
    pages: int
    color_pages: int


def _session_out(container: ServerContainer, session: TerminalSession) -> SessionOut:
    user = container.accounts.get_user(session.user_id)
    spending = container.terminal_sessions.spending(session.user_id)
    return SessionOut(
        session_id=session.id, user=UserOut(username=user.username, full_name=user.full_name),
        balance=MoneyOut.of(spending.balance),
        may_spend=(MoneyOut.of(spending.may_spend) if spending.may_spend is not None
                   else None),
        idle_timeout_seconds=container.terminal_sessions.idle_seconds,
        copy_state=session.copy_state)


def _copy_out(container: ServerContainer, session: TerminalSession) -> CopyOut:
    assert session.copy_price_list_id is not None
    prices = container.ledger.get_price_list(session.copy_price_list_id)
    currency = session.currency
    return CopyOut(
        session_id=session.id,
        may_spend=MoneyOut.of(Money(session.copy_limit_minor or 0, currency)),
        spent=MoneyOut.of(Money(session.copy_cost_minor, currency)),
        next_seq=session.copy_last_seq + 1, price_list=prices.name,
        prices=[PriceRuleOut(media=rule.media, color=rule.color, sides=rule.sides,
                             per_page=MoneyOut.of(Money(rule.per_page_minor, currency)),
                             per_sheet=MoneyOut.of(Money(rule.per_sheet_minor, currency)))
                for rule in prices.rules])


def _closed_out(closed: CopyClose) -> CopyCloseOut:
    return CopyCloseOut(session_id=closed.session.id, charged=MoneyOut.of(closed.charged),
                        pages=closed.pages, color_pages=closed.color_pages)


def _once(container: ServerContainer, terminal: Principal, key: str | None,
          request: Request, body: Any, run: Callable[[], Any]) -> Any:
    """``run()``'s answer as JSON; with a key, the answer stored for it when there is
    one (nothing runs), else ``run()``'s, stored under the key."""
    if key is None:
        return run()
    answers = container.terminal_sessions.answers
    digest = request_hash(request.method, request.url.path, body)
    stored = answers.recall(terminal.id, key, digest)
    if stored is not None:
        return stored
    fresh = TypeAdapter(Any).dump_python(run(), mode="json")
    return answers.remember(terminal.id, key, digest, fresh)


@router.post("", status_code=201, response_model=SessionOut,
             summary="Sign a person in at this terminal (ends its previous session)")
def sign_in(body: SignInIn, terminal: TerminalOnly, container: Container,
            request: Request, key: RequestKey = None) -> Any:
    def run() -> SessionOut:
        session = container.terminal_sessions.sign_in(
            terminal, body.method, card=body.card, pin=body.pin, username=body.username,
            password=body.password, id_number=body.id_number, source=client_source(request))
        released = container.terminal_sessions.release_on_sign_in(session)
        answer = _session_out(container, session)
        answer.released = [OutcomeOut.of(outcome) for outcome in released]
        return answer

    # a PIN or password is left out of the digest: a short PIN's hash could be reversed
    return _once(container, terminal, key, request,
                 body.model_dump(exclude={"pin", "password"}), run)


@router.get("/{session_id}", response_model=SessionOut, summary="The session and balance")
def show(session_id: Id, terminal: TerminalOnly, container: Container) -> SessionOut:
    return _session_out(container, container.terminal_sessions.current(terminal, session_id))


@router.delete("/{session_id}", response_model=SessionOut,
               summary="Sign out (an open copy session is closed and charged)")
def sign_out(session_id: Id, terminal: TerminalOnly, container: Container,
             request: Request, key: RequestKey = None) -> Any:
    return _once(container, terminal, key, request, None, lambda: _session_out(
        container, container.terminal_sessions.sign_out(terminal, session_id)))


@router.get("/{session_id}/held-jobs", response_model=list[HeldJobOut],
            summary="The user's held jobs, priced for this terminal's device")
def held_jobs(session_id: Id, terminal: TerminalOnly,
              container: Container) -> list[HeldJobOut]:
    return [HeldJobOut.of(job)
            for job in container.terminal_sessions.held_jobs(terminal, session_id)]


def _on_jobs(action: Callable[[Principal, str, list[str] | None], list[ReleaseOutcome]],
             session_id: str, terminal: Principal, container: ServerContainer,
             request: Request, body: JobsIn | None, key: str | None) -> Any:
    """Release or delete: one outcome per job, kept under the request's key."""
    job_ids = (body or JobsIn()).job_ids
    return _once(container, terminal, key, request, job_ids, lambda: [
        OutcomeOut.of(outcome) for outcome in action(terminal, session_id, job_ids)])


@router.post("/{session_id}/release", response_model=list[OutcomeOut],
             summary="Release some or all held jobs at this terminal's device")
def release(session_id: Id, terminal: TerminalOnly, container: Container, request: Request,
            body: JobsIn | None = None, key: RequestKey = None) -> Any:
    return _on_jobs(container.terminal_sessions.release, session_id, terminal, container,
                    request, body, key)


@router.post("/{session_id}/delete", response_model=list[OutcomeOut],
             summary="Delete some or all held jobs (never charged)")
def delete(session_id: Id, terminal: TerminalOnly, container: Container, request: Request,
           body: JobsIn | None = None, key: RequestKey = None) -> Any:
    return _on_jobs(container.terminal_sessions.delete, session_id, terminal, container,
                    request, body, key)


@router.post("/{session_id}/copy", response_model=CopyOut,
             summary="Open the copy session: reserves what the user may spend")
def copy_open(session_id: Id, terminal: TerminalOnly, container: Container) -> CopyOut:
    return _copy_out(container, container.terminal_sessions.copy_open(terminal, session_id))


@router.post("/{session_id}/copy/counts", response_model=CountOut,
             summary="Report copies/scans as they happen (seq 1, 2, ...; a repeat is harmless)")
def copy_count(session_id: Id, body: CountIn, terminal: TerminalOnly,
               container: Container) -> CountOut:
    report = CopyReport(seq=body.seq, pages=body.pages, color_pages=body.color_pages,
                        media=body.media, duplex=body.duplex)
    session, new = container.terminal_sessions.copy_report(terminal, session_id, report)
    currency = session.currency
    return CountOut(accepted=new, spent=MoneyOut.of(Money(session.copy_cost_minor, currency)),
                    remaining=MoneyOut.of(Money((session.copy_limit_minor or 0)
                                                - session.copy_cost_minor, currency)),
                    next_seq=session.copy_last_seq + 1)


@router.post("/{session_id}/copy/close", response_model=CopyCloseOut,
             summary="Close the copy session and charge once at copy prices")
def copy_close(session_id: Id, terminal: TerminalOnly, container: Container) -> CopyCloseOut:
    return _closed_out(container.terminal_sessions.copy_close(terminal, session_id))
