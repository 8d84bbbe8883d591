"""Questions to the person who printed: asked inside authorize, answered from the pop-up
(or the web), or settled by the rule's default at the deadline.

An answer and what it causes (the job printed, moved, charged to another account or
cancelled: the ``QuestionResolver``) commit in one transaction, so a question is never
answered without effect nor acted on twice: the row is locked and must still be open.
Each change rings the user's bell after the commit, so a waiting pop-up channel reads
at once; other server processes' changes are found at its next poll.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.engine import Connection

from printwarden.core.clock import Clock
from printwarden.core.errors import PermissionDenied
from printwarden.core.event_bell import EventBell
from printwarden.core.principal import Principal
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.jobs import question_store as qstore
from printwarden.jobs.question_model import Question, answered, withdrawn

#: How many due questions one sweep settles (the scheduler runs it every few seconds).
SWEEP_LIMIT = 200


class QuestionResolver(Protocol):
    def resolve_in(self, conn: Connection, question: Question) -> None:
        """Act on ``question``'s answer (state answered or defaulted) in the caller's
        transaction."""


class QuestionService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog) -> None:
        self._db = db
        self._clock = clock
        self._audit = audit
        self.bell = EventBell()
        self._resolver: QuestionResolver | None = None

    def attach_resolver(self, resolver: QuestionResolver) -> None:
        """Wire what an answer does (the composition root, once)."""
        self._resolver = resolver

    # --- asking ------------------------------------------------------------------------------

    def ask_in(self, conn: Connection, question: Question) -> None:
        """Record ``question`` in the caller's transaction; its user's pop-up is woken."""
        qstore.insert(conn, question)
        self._ring_after(conn, question.user_id)

    def withdraw_in(self, conn: Connection, job_id: str) -> int:
        """Withdraw the job's open questions (it ended some other way); answers how many."""
        now = self._clock.now()
        found = qstore.open_for_job(conn, job_id)
        for question in found:
            qstore.save(conn, withdrawn(question, at=now))
            self._ring_after(conn, question.user_id)
        return len(found)

    # --- reading ----------------------------------------------------------------------------

    def open_for(self, user_id: str) -> list[Question]:
        return self._db.read(lambda conn: qstore.open_for(conn, user_id))

    def of_job(self, job_id: str) -> list[Question]:
        return self._db.read(lambda conn: qstore.of_job(conn, job_id))

    def get(self, principal: Principal, question_id: str) -> Question:
        question = self._db.read(lambda conn: qstore.get(conn, question_id))
        _check_asked(principal, question)
        return question

    # --- answering --------------------------------------------------------------------------

    def answer(self, principal: Principal, question_id: str, choice: str) -> Question:
        """The person's answer: only the one asked answers, once, with one of the options."""
        def write(conn: Connection) -> Question:
            question = qstore.get(conn, question_id, lock=True)
            _check_asked(principal, question)
            done = answered(question, str(choice)[:200], by="user", at=self._clock.now())
            self._settle_in(conn, done)
            self._audit.record_in(conn, f"user:{principal.id}", "job.question.answer",
                                  question.job_id, question=question.id, kind=question.kind,
                                  answer=done.answer)
            return done

        return self._db.write(write)

    def expire_due(self, *, limit: int = SWEEP_LIMIT) -> int:
        """Settle every open question past its deadline with its default; answers how many.
        Each in its own transaction, so one that fails does not hold the others back."""
        now = self._clock.now()
        ids = self._db.read(lambda conn: qstore.due_ids(conn, now, limit=limit))
        settled = 0
        for question_id in ids:
            def write(conn: Connection, question_id: str = question_id) -> bool:
                question = qstore.get(conn, question_id, lock=True)
                if not question.is_due(self._clock.now()):
                    return False  # answered meanwhile
                done = answered(question, question.default, by="timeout",
                                at=self._clock.now())
                self._settle_in(conn, done)
                self._audit.record_in(conn, "system", "job.question.default",
                                      question.job_id, question=question.id,
                                      kind=question.kind, answer=done.answer)
                return True

            settled += self._db.write(write)
        return settled

    def _settle_in(self, conn: Connection, done: Question) -> None:
        qstore.save(conn, done)
        if self._resolver is not None:
            self._resolver.resolve_in(conn, done)
        self._ring_after(conn, done.user_id)

    def _ring_after(self, conn: Connection, user_id: str) -> None:
        self._db.after_commit(conn, lambda: self.bell.ring(user_id))


def _check_asked(principal: Principal, question: Question) -> None:
    if principal.kind != "user" or principal.id != question.user_id:
        raise PermissionDenied(f"question {question.id} was not asked of you")
