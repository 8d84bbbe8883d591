"""REST: print rules (admins), their dry run, and the approval of jobs a rule held (staff).

A rule is sent as JSON (``docs/rules.md``: name, scope, conditions, actions, stop,
enabled, description); one that cannot be saved answers 422 with ``fields``: the field
(``conditions.cel``, ``actions[1].queue``...) and the reason."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from printwarden.jobs.authorization import DryRun
from printwarden.jobs.cost_codec import dump_lines
from printwarden.jobs.messages import Analysis, AuthorizeRequest
from printwarden.policy.service import rule_json
from printwarden.web.api.agent_link_schemas import MoneyOut
from printwarden.web.deps import AdminOnly, Container, StaffOnly

router = APIRouter(prefix="/api/v1/rules", tags=["rules"])
approvals = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

Id = Annotated[str, Field(min_length=1, max_length=26, pattern=r"^[0-9A-Za-z]+$")]
RuleBody = Annotated[dict[str, Any], Body(description="the rule (docs/rules.md)")]


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    position: int = Field(ge=0, le=100_000, description="0 is evaluated first")


class DryRunIn(BaseModel):
    """A job as the agent would describe it (counts per copy), or what a file analysed to."""

    model_config = ConfigDict(extra="forbid", strict=True)
    queue: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=500)
    document_format: str = Field(default="application/pdf", max_length=100)
    application: str = Field(default="", max_length=200)
    pages: int = Field(ge=0, le=1_000_000)
    color_pages: int | None = Field(default=None, ge=0, le=1_000_000)
    copies: int = Field(default=1, ge=1, le=9999)
    sides: Literal["one-sided", "two-sided-long-edge", "two-sided-short-edge"] = "one-sided"
    color_mode: Literal["color", "monochrome", "auto"] = "auto"
    media: str = Field(default="iso_a4_210x297mm", max_length=100)

    def to_request(self) -> AuthorizeRequest:
        return AuthorizeRequest(
            agent_job_key="dry-run", queue=self.queue, username=self.username,
            title=self.title, document_format=self.document_format, copies=self.copies,
            sides=self.sides, color_mode=self.color_mode, application=self.application,
            analysis=Analysis(pages=self.pages, color_pages=self.color_pages,
                              sizes={self.media: self.pages}))


class DryRunOut(BaseModel):
    decision: str
    message: str
    queue: str
    fired: list[str]
    errors: list[dict[str, str]]
    transforms: list[str]
    questions: list[str]
    hold_reason: str | None
    cost: MoneyOut | None
    cost_lines: list[dict[str, Any]]
    cost_before_rules: MoneyOut | None
    balance: MoneyOut | None
    notes: list[str]

    @classmethod
    def of(cls, run: DryRun) -> DryRunOut:
        from printwarden.core.money import Money

        currency = run.cost.total.currency if run.cost else None
        return cls(
            decision=run.decision, message=run.message, queue=run.queue,
            fired=list(run.rules.get("fired", [])), errors=list(run.rules.get("errors", [])),
            transforms=list(run.transforms), questions=list(run.questions),
            hold_reason=run.hold_reason,
            cost=MoneyOut.of(run.cost.total) if run.cost else None,
            cost_lines=dump_lines(run.cost) if run.cost else [],
            cost_before_rules=MoneyOut.of(run.base_cost.total) if run.base_cost else None,
            balance=MoneyOut.of(Money(run.balance_minor, currency)) if currency else None,
            notes=list(run.rules.get("notes", [])))


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    approved: bool
    reason: str = Field(default="", max_length=300)


@router.get("", summary="Every rule, in evaluation order")
def list_rules(container: Container, _admin: AdminOnly) -> list[dict[str, Any]]:
    return [rule_json(rule) for rule in container.rules.list_rules()]


@router.post("", status_code=201, summary="Add a rule (last unless position is given)")
def create_rule(container: Container, admin: AdminOnly, body: RuleBody) -> dict[str, Any]:
    return rule_json(container.rules.create(f"user:{admin.id}", body))


@router.post("/check", summary="Check a rule without saving it (422 with the field)")
def check_rule(container: Container, _admin: AdminOnly, body: RuleBody) -> dict[str, Any]:
    return rule_json(container.rules.check(body))


@router.post("/dry-run", summary="What the rules would do with a job: nothing is written")
def dry_run(container: Container, _admin: AdminOnly, body: DryRunIn) -> DryRunOut:
    return DryRunOut.of(container.jobs.dry_run(body.to_request()))


@router.get("/{rule_id}", summary="One rule")
def get_rule(container: Container, _admin: AdminOnly, rule_id: Id) -> dict[str, Any]:
    return rule_json(container.rules.get(rule_id))


@router.put("/{rule_id}", summary="Replace a rule (its position stays)")
def update_rule(container: Container, admin: AdminOnly, rule_id: Id,
                body: RuleBody) -> dict[str, Any]:
    return rule_json(container.rules.update(f"user:{admin.id}", rule_id, body))


@router.post("/{rule_id}/move", summary="Move a rule to a position (0 first)")
def move_rule(container: Container, admin: AdminOnly, rule_id: Id,
              body: MoveIn) -> dict[str, Any]:
    return rule_json(container.rules.move(f"user:{admin.id}", rule_id, body.position))


@router.delete("/{rule_id}", status_code=204, summary="Delete a rule")
def delete_rule(container: Container, admin: AdminOnly, rule_id: Id) -> None:
    container.rules.delete(f"user:{admin.id}", rule_id)


@approvals.post("/{job_id}/approval", summary="Approve or refuse a job a rule held")
def approve_job(container: Container, staff: StaffOnly, job_id: Id,
                body: ApprovalIn) -> dict[str, Any]:
    job = container.rule_actions.approve(staff, job_id, approved=body.approved,
                                         reason=body.reason)
    return {"job_id": job.id, "state": job.state.value, "message": job.message}
