"""Admin pages for print rules: ``/admin/rules`` lists them in evaluation order with
arrows to move each up or down, and a dry run (a job described in a form: which rules
fire, the decision, the cost; nothing written); ``/admin/rules/new`` and
``/admin/rules/{id}`` create and edit one, a refusal shown on its field (the CEL
expression's position and reason, the action that names a missing queue...) with what
was typed kept, answered 422.

Admin only (``admin_or_login``); every form carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.container import ServerContainer
from printwarden.core.errors import PrintwardenError, ValidationError
from printwarden.core.principal import Principal
from printwarden.jobs.messages import Analysis, AuthorizeRequest
from printwarden.policy.model import (
    SCOPE_KINDS,
    WEEKDAYS,
    Rule,
    RuleInvalid,
    action_json,
    conditions_json,
)
from printwarden.web.admin_forms import admin_or_login, ascii_int
from printwarden.web.admin_rule_form import (
    CONDITION_INPUTS,
    LIST_INPUTS,
    RuleForm,
    blank_rule_form,
    form_of_rule,
    input_of_field,
    read_rule_form,
)
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.errors import status_for
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)
PATH = "/admin/rules"
_ID = 26


def _summary(rule: Rule) -> dict[str, str]:
    conditions = conditions_json(rule.conditions)
    return {"scope": "all queues" if rule.scope.kind == "all"
            else f"{rule.scope.kind.replace('_', ' ')} {rule.scope.value}",
            "conditions": "; ".join(f"{k} {v}" for k, v in conditions.items()) or "always",
            "actions": ", ".join(
                " ".join(str(v) for v in action_json(a).values()) for a in rule.actions)}


def _list_page(request: Request, container: ServerContainer, principal: Principal, *,
               error: str = "", status: int = 200, run: Any = None,
               typed: dict[str, str] | None = None) -> HTMLResponse:
    rules = container.rules.list_rules()
    queues = container.devices.list_queues()
    return page(request, "admin_rules.html", principal, status=status,
                rules=[{"rule": r, **_summary(r)} for r in rules], error=error, run=run,
                typed=typed or {}, queues=queues)


@router.get(PATH, response_class=HTMLResponse)
def rules_page(request: Request, principal: CurrentPrincipal, container: Container) -> Response:
    return admin_or_login(principal) or _list_page(request, container, principal)


@router.post(PATH + "/{rule_id}/move", response_class=HTMLResponse)
async def move_rule(rule_id: str, request: Request, principal: CurrentPrincipal,
                    container: Container) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))
    direction = str(form.get("direction") or "")

    def work() -> Response:
        try:
            current = container.rules.get(rule_id[:_ID])
            target = current.position + (-1 if direction == "up" else 1)
            if direction not in ("up", "down") or target < 0:
                return RedirectResponse(PATH, status_code=303)
            container.rules.move(principal.name, current.id, target)
        except PrintwardenError as exc:
            return _list_page(request, container, principal, error=exc.message,
                              status=status_for(exc))
        return RedirectResponse(PATH, status_code=303)

    return await run_in_threadpool(work)


@router.post(PATH + "/{rule_id}/delete", response_class=HTMLResponse)
async def delete_rule(rule_id: str, request: Request, principal: CurrentPrincipal,
                      container: Container) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))

    def work() -> Response:
        try:
            container.rules.delete(principal.name, rule_id[:_ID])
        except PrintwardenError as exc:
            return _list_page(request, container, principal, error=exc.message,
                              status=status_for(exc))
        return RedirectResponse(PATH, status_code=303)

    return await run_in_threadpool(work)


@router.post(PATH + "/dry-run", response_class=HTMLResponse)
async def dry_run(request: Request, principal: CurrentPrincipal,
                  container: Container) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))
    typed = {key: str(value)[:500] for key, value in form.items() if isinstance(value, str)}

    def work() -> Response:
        try:
            pages = ascii_int(typed.get("pages", ""), "pages", 1, 1_000_000)
            colour = ascii_int(typed.get("color_pages") or "0", "colour pages", 0, pages)
            copies = ascii_int(typed.get("copies") or "1", "copies", 1, 9999)
        except ValueError as exc:
            return _list_page(request, container, principal, error=str(exc), status=422,
                              typed=typed)
        try:
            request_ = AuthorizeRequest(
                agent_job_key="dry-run", queue=typed.get("queue", ""),
                username=typed.get("username", ""), title=typed.get("title", ""),
                document_format="application/pdf", copies=copies,
                sides="two-sided-long-edge" if typed.get("duplex") else "one-sided",
                analysis=Analysis(pages=pages, color_pages=colour,
                                  sizes={"iso_a4_210x297mm": pages}))
            run = container.jobs.dry_run(request_)
        except PrintwardenError as exc:
            return _list_page(request, container, principal, error=exc.message,
                              status=status_for(exc), typed=typed)
        return _list_page(request, container, principal, run=run, typed=typed)

    return await run_in_threadpool(work)


def _form_page(request: Request, principal: Principal, form: RuleForm, rule_id: str | None,
               status: int = 200) -> HTMLResponse:
    return page(request, "admin_rule_form.html", principal, status=status, form=form,
                rule_id=rule_id, scope_kinds=SCOPE_KINDS, weekdays=WEEKDAYS,
                condition_inputs=CONDITION_INPUTS, list_inputs=LIST_INPUTS)


@router.get(PATH + "/new", response_class=HTMLResponse)
def new_rule_page(request: Request, principal: CurrentPrincipal) -> Response:
    return admin_or_login(principal) or _form_page(request, principal, blank_rule_form(), None)


@router.get(PATH + "/{rule_id}", response_class=HTMLResponse)
def edit_rule_page(rule_id: str, request: Request, principal: CurrentPrincipal,
                   container: Container) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    rule = container.rules.get(rule_id[:_ID])
    return _form_page(request, principal, form_of_rule(rule), rule.id)


async def _submit(request: Request, principal: Principal, container: ServerContainer,
                  rule_id: str | None) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    posted = await request.form()
    check_csrf(request, str(posted.get("csrf") or ""))
    fields = {key: value for key, value in posted.items() if isinstance(value, str)}
    weekdays = [str(day) for day in posted.getlist("weekdays")]

    def work() -> Response:
        form, body = read_rule_form(fields, weekdays)
        if body is None:
            return _form_page(request, principal, form, rule_id, 422)
        try:
            if rule_id is None:
                saved = container.rules.create(principal.name, body)
            else:
                saved = container.rules.update(principal.name, rule_id, body)
        except RuleInvalid as exc:
            form.errors[input_of_field(exc.field)] = exc.message
            return _form_page(request, principal, form, rule_id, 422)
        except ValidationError as exc:
            form.errors[""] = exc.message
            return _form_page(request, principal, form, rule_id, 422)
        except PrintwardenError as exc:
            form.errors[""] = exc.message
            return _form_page(request, principal, form, rule_id, status_for(exc))
        return RedirectResponse(f"{PATH}/{saved.id}?saved=1", status_code=303)

    return await run_in_threadpool(work)


@router.post(PATH + "/new", response_class=HTMLResponse)
async def create_rule(request: Request, principal: CurrentPrincipal,
                      container: Container) -> Response:
    return await _submit(request, principal, container, None)


@router.post(PATH + "/{rule_id}", response_class=HTMLResponse)
async def update_rule(rule_id: str, request: Request, principal: CurrentPrincipal,
                      container: Container) -> Response:
    return await _submit(request, principal, container, rule_id[:_ID])
