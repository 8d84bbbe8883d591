"""What agents ask (authorize, complete) and what the server answers.

Pure values plus the small rules that turn a request into something to price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from printwarden.core.errors import ValidationError
from printwarden.core.job_counting import billable_color_pages, dominant_media
from printwarden.core.media import DEFAULT_MEDIA_NAME
from printwarden.core.money import Money
from printwarden.jobs.model import JobState
from printwarden.ledger.model import CostBreakdown

SIDES = ("one-sided", "two-sided-long-edge", "two-sided-short-edge")
COLOR_MODES = ("color", "monochrome", "auto")
COMPLETION_STATUSES = ("completed", "failed", "cancelled", "expired")
#: What a rule may make the agent do to a document before it prints (``Decision``).
TRANSFORMS = ("grayscale", "duplex")
DEFAULT_MEDIA = DEFAULT_MEDIA_NAME


@dataclass(frozen=True)
class Analysis:
    """The agent's analysis of the document (pages are per copy)."""

    pages: int | None
    color_pages: int | None = None
    mono_pages: int | None = None
    sizes: Mapping[str, int] = field(default_factory=dict)
    estimated: bool = False
    reason: str = ""


@dataclass(frozen=True)
class AuthorizeRequest:
    agent_job_key: str
    queue: str
    username: str
    title: str = ""
    document_format: str = "application/octet-stream"
    size_bytes: int = 0
    copies: int = 1
    sides: str = "one-sided"
    color_mode: str = "auto"
    analysis: Analysis = field(default_factory=lambda: Analysis(pages=None))
    shared_account_id: str | None = None
    application: str = ""

    def __post_init__(self) -> None:
        if self.sides not in SIDES:
            raise ValidationError(f"sides must be one of {', '.join(SIDES)}")
        if self.color_mode not in COLOR_MODES:
            raise ValidationError(f"color_mode must be one of {', '.join(COLOR_MODES)}")
        if self.copies < 1:
            raise ValidationError("copies must be at least 1")
        if not self.agent_job_key or not self.queue or not self.username:
            raise ValidationError("agent_job_key, queue and username are required")

    @property
    def duplex(self) -> bool:
        return self.sides != "one-sided"

    @property
    def media(self) -> str:
        """The dominant paper size (most pages); A4 when the agent could not tell."""
        return dominant_media(self.analysis.sizes)

    @property
    def billable_color_pages(self) -> int | None:
        """Colour pages to price: none in monochrome; all pages when colour is unknown."""
        return billable_color_pages(self.color_mode, self.analysis.color_pages,
                                    self.analysis.pages)

    @property
    def estimated(self) -> bool:
        return self.analysis.estimated or (
            self.color_mode != "monochrome" and self.analysis.color_pages is None
        )


@dataclass(frozen=True)
class AccountCharge:
    """The part of a job's cost one account carries."""

    account_id: str
    amount: Money


@dataclass(frozen=True)
class Decision:
    """The answer to authorize: allow (print now), hold (wait for release) or deny."""

    job_id: str
    decision: str
    message: str
    cost: CostBreakdown | None
    reservation_id: str | None
    accounts: tuple[AccountCharge, ...] = ()
    estimated: bool = False
    state: JobState = JobState.ANALYSED
    #: Forced by a rule, in ``TRANSFORMS`` order: the agent converts the document (grey)
    #: and asks for two-sided output before it prints; the cost is priced after them.
    transforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompletionResult:
    job_id: str
    state: JobState
    charged: Money
    message: str = ""


def unknown_pages_denial(request: AuthorizeRequest) -> str | None:
    """Seam for the [policy] issue: what to do when the page count is unknown.

    Returns the message of a denial, or ``None`` to go on. For now every job whose pages
    are unknown is denied, since it cannot be priced.
    """
    if request.analysis.pages is None:
        why = f" ({request.analysis.reason})" if request.analysis.reason else ""
        return (f"The number of pages of '{request.title or 'your document'}' could not be "
                f"determined{why}, so it cannot be priced: print it as PDF or ask your "
                "administrator.")
    return None
