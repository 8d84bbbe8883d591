"""The question a planned rule action becomes: its words, options (with what each costs),
default and deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.jobs.model import Job
from printwarden.jobs.question_model import CANCEL, KEEP, PRINT, Question, QuestionOption
from printwarden.jobs.rule_plan import PlannedQuestion
from printwarden.ledger.tables import ledger_account_members as members
from printwarden.ledger.tables import ledger_accounts as accounts

ACCEPT = "accept"
PERSONAL = "personal"
MAX_ACCOUNTS = 18


def question_for(conn: Connection, planned: PlannedQuestion, job: Job, *, cost: Money,
                 balance_minor: int, now: datetime, timeout_cap: int) -> Question:
    action = planned.action
    title = job.title or "your document"
    seconds = min(action.timeout_seconds, timeout_cap)
    money = cost.format()
    balance = Money(balance_minor, cost.currency).format()
    options: tuple[QuestionOption, ...]
    if planned.kind == "confirm":
        text = action.message or f"Print '{title}' for {money}? Your balance is {balance}."
        options = (QuestionOption(PRINT, f"Print ({money})", cost.minor),
                   QuestionOption(CANCEL, "Cancel", 0))
        default = action.default or CANCEL
    elif planned.kind == "suggest":
        accept_cost = Money(planned.accept_minor or 0, cost.currency).format()
        if action.queue:
            what = f"print on {action.queue}"
        else:
            what = "print " + " and ".join("in grey" if part == "grayscale" else "two-sided"
                                           for part in action.convert.split("+"))
        text = action.message or (f"'{title}': {what} for {accept_cost} instead of {money}?")
        options = (QuestionOption(ACCEPT, f"Yes, {what} ({accept_cost})", planned.accept_minor),
                   QuestionOption(KEEP, f"No, print as it is ({money})", cost.minor))
        default = KEEP if action.default == "keep" else ACCEPT
    else:  # ask_account
        text = action.message or f"Which account pays for '{title}' ({money})?"
        shared = shared_accounts_in(conn, job.user_id or "", cost.currency)
        options = (QuestionOption(PERSONAL, "My own account", cost.minor),
                   *(QuestionOption(f"account:{aid}", name, cost.minor)
                     for aid, name in shared),
                   QuestionOption(CANCEL, "Cancel the job", 0))
        keys = {option.key for option in options}
        default = action.default if action.default in keys else (
            PERSONAL if action.default != CANCEL else CANCEL)
    return Question(
        id=new_id(), job_id=job.id, user_id=job.user_id or "",
        kind="account" if planned.kind == "ask_account" else planned.kind,
        text=text[:1000], title=title[:500], options=options, default=default,
        deadline=now + timedelta(seconds=seconds), created_at=now, currency=cost.currency,
        cost_minor=cost.minor, balance_minor=balance_minor, rule=planned.rule)


def shared_accounts_in(conn: Connection, user_id: str, currency: str) -> list[tuple[str, str]]:
    """(id, name) of the active shared accounts ``user_id`` may charge, by name."""
    rows = conn.execute(
        sa.select(accounts.c.id, accounts.c.name)
        .join(members, members.c.account_id == accounts.c.id)
        .where(members.c.user_id == user_id, accounts.c.kind == "shared",
               accounts.c.active.is_(True), accounts.c.currency == currency)
        .order_by(accounts.c.name).limit(MAX_ACCOUNTS)).all()
    return [(str(r[0]), str(r[1])) for r in rows]
