"""Rows of ``job_questions`` to ``Question`` values and back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.jobs.question_model import Question, QuestionOption
from printwarden.jobs.tables import job_questions as table
from printwarden.jobs.tables import jobs


def insert(conn: Connection, question: Question) -> None:
    conn.execute(table.insert().values(**_values(question)))


def save(conn: Connection, question: Question) -> None:
    values = _values(question)
    del values["id"]
    conn.execute(table.update().where(table.c.id == question.id).values(**values))


def get(conn: Connection, question_id: str, *, lock: bool = False) -> Question:
    stmt = sa.select(table).where(table.c.id == question_id)
    row = conn.execute(stmt.with_for_update() if lock else stmt).mappings().first()
    if row is None:
        raise NotFoundError(f"no question {question_id}")
    return _question(row)


def open_for(conn: Connection, user_id: str, *, limit: int = 50) -> list[Question]:
    """The user's open questions about jobs still held (one that ended meanwhile, e.g.
    cancelled at the printer, is not asked any more; the sweep closes its question)."""
    rows = conn.execute(sa.select(table).join(jobs, jobs.c.id == table.c.job_id)
                        .where(table.c.user_id == user_id, table.c.state == "open",
                               jobs.c.state == "held")
                        .order_by(table.c.created_at, table.c.id).limit(limit)).mappings()
    return [_question(row) for row in rows]


def open_for_job(conn: Connection, job_id: str) -> list[Question]:
    rows = conn.execute(sa.select(table).where(table.c.job_id == job_id,
                                               table.c.state == "open")).mappings()
    return [_question(row) for row in rows]


def of_job(conn: Connection, job_id: str) -> list[Question]:
    rows = conn.execute(sa.select(table).where(table.c.job_id == job_id)
                        .order_by(table.c.created_at, table.c.id)).mappings()
    return [_question(row) for row in rows]


def due_ids(conn: Connection, now: datetime, *, limit: int) -> Sequence[str]:
    return list(conn.execute(sa.select(table.c.id).where(table.c.state == "open",
                                                         table.c.deadline <= now)
                             .order_by(table.c.deadline).limit(limit)).scalars())


def _values(question: Question) -> dict[str, Any]:
    return {
        "id": question.id, "job_id": question.job_id, "user_id": question.user_id,
        "kind": question.kind, "text": question.text[:1000], "title": question.title[:500],
        "options": [{"key": o.key, "label": o.label, "cost_minor": o.cost_minor}
                    for o in question.options],
        "default_answer": question.default, "deadline": question.deadline,
        "created_at": question.created_at, "currency": question.currency,
        "cost_minor": question.cost_minor, "balance_minor": question.balance_minor,
        "rule": question.rule[:200], "state": question.state, "answer": question.answer,
        "answered_by": question.answered_by, "answered_at": question.answered_at,
    }


def _question(row: RowMapping) -> Question:
    options = tuple(QuestionOption(str(o["key"]), str(o["label"]),
                                   None if o.get("cost_minor") is None else int(o["cost_minor"]))
                    for o in row["options"])
    return Question(
        id=row["id"], job_id=row["job_id"], user_id=row["user_id"], kind=row["kind"],
        text=row["text"], title=row["title"], options=options, default=row["default_answer"],
        deadline=row["deadline"], created_at=row["created_at"], currency=row["currency"],
        cost_minor=row["cost_minor"], balance_minor=row["balance_minor"], rule=row["rule"],
        state=row["state"], answer=row["answer"], answered_by=row["answered_by"],
        answered_at=row["answered_at"])
