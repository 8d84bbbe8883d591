"""Questions a rule asks the person who printed (pure values and rules).

A rule may ask to confirm a job's cost, to choose the account that pays, or to accept a
suggestion (print on another queue, in grey, duplex). The job waits, held, while its
question is open; the answer, or the rule's default once the deadline passes, decides what
happens. Nothing waits for ever because no pop-up is running: every question has a
deadline and a default that is one of its options.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from printwarden.core.errors import ConflictError, ValidationError

QUESTION_KINDS = ("confirm", "account", "suggest")
#: open -> answered (by the person) | defaulted (deadline passed) | withdrawn (the job
#: ended some other way: cancelled at the agent, revoked, expired).
QUESTION_STATES = ("open", "answered", "defaulted", "withdrawn")
#: Option keys with a fixed meaning; others are ``account:ID``, ``redirect:QUEUE`` or
#: ``convert:grayscale`` / ``convert:duplex`` / ``convert:grayscale+duplex``.
PRINT, CANCEL, KEEP = "print", "cancel", "keep"
MAX_OPTIONS = 20


@dataclass(frozen=True)
class QuestionOption:
    key: str
    label: str
    #: What the job costs with this option (minor units of the question's currency).
    cost_minor: int | None = None


@dataclass(frozen=True)
class Question:
    id: str
    job_id: str
    user_id: str
    kind: str
    #: What is asked, in words (the pop-up shows it as is).
    text: str
    #: The job's title, to say which job.
    title: str
    options: tuple[QuestionOption, ...]
    default: str
    deadline: datetime
    created_at: datetime
    currency: str = ""
    cost_minor: int | None = None
    balance_minor: int | None = None
    #: The rule that asked (its name), for the log and the pop-up.
    rule: str = ""
    state: str = "open"
    answer: str | None = None
    #: "user" (answered in the pop-up or the web), "timeout" (the default) or "system".
    answered_by: str | None = None
    answered_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in QUESTION_KINDS:
            raise ValidationError(f"question kind must be one of {', '.join(QUESTION_KINDS)}")
        if self.state not in QUESTION_STATES:
            raise ValidationError(f"unknown question state {self.state!r}")
        if not self.options or len(self.options) > MAX_OPTIONS:
            raise ValidationError(f"a question needs 1 to {MAX_OPTIONS} options")
        if self.default not in self.keys:
            raise ValidationError("a question's default must be one of its options")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)

    def option(self, key: str) -> QuestionOption | None:
        return next((option for option in self.options if option.key == key), None)

    def is_due(self, now: datetime) -> bool:
        return self.state == "open" and now >= self.deadline


def answered(question: Question, choice: str, *, by: str, at: datetime) -> Question:
    """``question`` answered with ``choice``: refused when it is not open or not an option."""
    if question.state != "open":
        raise ConflictError(f"this question was already {question.state}"
                            + (f" ({question.answer})" if question.answer else ""))
    if choice not in question.keys:
        raise ValidationError(f"answer must be one of {', '.join(question.keys)}")
    state = "defaulted" if by == "timeout" else "answered"
    return replace(question, state=state, answer=choice, answered_by=by, answered_at=at)


def withdrawn(question: Question, *, at: datetime) -> Question:
    return replace(question, state="withdrawn", answered_by="system", answered_at=at)
