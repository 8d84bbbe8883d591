"""The pop-up protocol's bodies (``docs/protocols/popup.md``): one shape for a question and
one for a notice, whether they travel in a WebSocket message or an HTTP answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from printwarden.jobs.question_model import Question
from printwarden.notify.notices import Notice

#: The longest OS user name and host name a sign-in records (in the token's name).
MAX_OS_NAME = 64


class OptionOut(BaseModel):
    key: str
    label: str
    cost_minor: int | None


class QuestionOut(BaseModel):
    id: str
    job_id: str
    kind: str
    text: str
    title: str
    rule: str
    options: list[OptionOut]
    default: str
    deadline: datetime
    created_at: datetime
    currency: str
    cost_minor: int | None
    balance_minor: int | None
    state: str
    answer: str | None

    @classmethod
    def of(cls, q: Question) -> QuestionOut:
        return cls(id=q.id, job_id=q.job_id, kind=q.kind, text=q.text, title=q.title,
                   rule=q.rule, default=q.default, deadline=q.deadline,
                   created_at=q.created_at, currency=q.currency, cost_minor=q.cost_minor,
                   balance_minor=q.balance_minor, state=q.state, answer=q.answer,
                   options=[OptionOut(key=o.key, label=o.label, cost_minor=o.cost_minor)
                            for o in q.options])


class NoticeOut(BaseModel):
    id: int
    kind: str
    text: str
    created_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, n: Notice) -> NoticeOut:
        return cls(id=n.id, kind=n.kind, text=n.text, created_at=n.created_at,
                   data=dict(n.data))


class NoticePage(BaseModel):
    items: list[NoticeOut]
    cursor: int = Field(description="pass as ?after= next time: the last id seen")


class AnswerIn(BaseModel):
    choice: str = Field(min_length=1, max_length=200)


class SignInIn(BaseModel):
    login: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024)
    os_user: str = Field(min_length=1, max_length=MAX_OS_NAME,
                         description="the desktop account the pop-up runs as")
    host: str = Field(default="", max_length=MAX_OS_NAME)


class SignInOut(BaseModel):
    token: str = Field(description="a user bearer token (pwu_...); shown only here")
    token_id: str
    token_name: str
    user_id: str
    username: str
    notice_cursor: int = Field(description="the user's latest notice id: start after it")
