"""Admin page of site remotes: ``/admin/remotes`` lists each remote with its last
contact, its replication lag (versions behind central's head), its pending ledger
entries, its acked site sequence and the counts of what reconciliation kept; below, the
latest double-site spending reports and reconciliation problems. Remotes are created with
``printwarden admin remotes add`` or ``POST /api/v1/sync/remotes``; admin only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from printwarden.web.admin_forms import admin_or_login
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)


@router.get("/admin/remotes", response_class=HTMLResponse)
def remotes_page(request: Request, principal: CurrentPrincipal,
                 container: Container) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    head = container.feed.head()
    return page(request, "admin_remotes.html", principal, head=head,
                remotes=container.remotes.list(head),
                reports=container.reconciler.reports(limit=100),
                problems=container.reconciler.problems(limit=100))
