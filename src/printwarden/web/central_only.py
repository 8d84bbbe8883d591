"""At a remote, the routes that would change central's data answer 503 ``central_only``.

A remote's replicated tables (``sync/replicated.py``) are central's: a change made to
one of them at the remote would last only until central's next change of that row (or
the next snapshot), and central would never hear of it (a token made there is unknown at
central; a PIN changed there is lost). So every route that changes a replicated table,
or that enrols something (enrolment codes live at central only), is refused at a remote
with ``central_only`` (503, so a client with a server list tries central; the message
tells a person to make the change at central). What a site needs while cut off stays
served: prints, releases, copies, job actions, top-ups and transfers (ledger entries that
go to central by the remote's outbox), quota runs delegated to the remote, notifications.

Every changing route is in exactly one of ``CENTRAL_ONLY`` and ``SITE_SERVED`` (a test
walks the app's routes), so a new route is a reviewed choice, as in the route pin.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from printwarden.core.errors import CentralOnly

CONFIG = "central's configuration, replicated to this remote"
IDENTITY = "users, their cards, PINs, ID numbers and passwords are central's"
TOKENS = "a token made or revoked here would be unknown at central"
ENROL = "enrolment codes and enrolments live at central only"
SYNC = "a remote does not serve other remotes"
SIGN_IN = ("a pop-up signs in at central once, while central is reachable; "
           "its sign-in then works here too")

#: Refused at a remote: ``METHOD /path`` (FastAPI's route path) -> why.
CENTRAL_ONLY: dict[str, str] = {
    # identities
    "POST /api/v1/users": IDENTITY,
    "POST /api/v1/users/import": IDENTITY,
    "PATCH /api/v1/users/{user_id}": IDENTITY,
    "POST /api/v1/users/{user_id}/cards": IDENTITY,
    "DELETE /api/v1/cards/{card_id}": IDENTITY,
    "POST /api/v1/users/{user_id}/id-number": IDENTITY,
    "PUT /api/v1/users/{user_id}/id-number": IDENTITY,
    "DELETE /api/v1/users/{user_id}/id-number": IDENTITY,
    "PUT /api/v1/users/{user_id}/password": IDENTITY,
    "PUT /api/v1/users/{user_id}/pin": IDENTITY,
    "POST /api/v1/me/id-number": IDENTITY,
    "PUT /api/v1/me/pin": IDENTITY,
    "POST /me/id-number": IDENTITY,
    "POST /me/pin": IDENTITY,
    "POST /api/v1/groups": IDENTITY,
    "PUT /api/v1/groups/{group_id}/members/{user_id}": IDENTITY,
    "DELETE /api/v1/groups/{group_id}/members/{user_id}": IDENTITY,
    "POST /api/v1/tokens": TOKENS,
    "DELETE /api/v1/tokens/{token_id}": TOKENS,
    "POST /api/v1/popup/sign-in": SIGN_IN,
    # accounts, prices, quotas, rules
    "POST /api/v1/accounts": CONFIG,
    "PATCH /api/v1/accounts/{account_id}": CONFIG,
    "PUT /api/v1/accounts/{account_id}/members/{user_id}": CONFIG,
    "DELETE /api/v1/accounts/{account_id}/members/{user_id}": CONFIG,
    "PUT /api/v1/charge-policy": CONFIG,
    "POST /api/v1/price-lists": CONFIG,
    "PUT /api/v1/price-lists/{price_list_id}": CONFIG,
    "POST /api/v1/quota-schedules": CONFIG,
    "PATCH /api/v1/quota-schedules/{schedule_id}": CONFIG,
    "POST /api/v1/rules": CONFIG,
    "PUT /api/v1/rules/{rule_id}": CONFIG,
    "DELETE /api/v1/rules/{rule_id}": CONFIG,
    "POST /api/v1/rules/{rule_id}/move": CONFIG,
    "POST /admin/rules/new": CONFIG,
    "POST /admin/rules/{rule_id}": CONFIG,
    "POST /admin/rules/{rule_id}/delete": CONFIG,
    "POST /admin/rules/{rule_id}/move": CONFIG,
    # the fleet
    "POST /api/v1/devices": CONFIG,
    "PATCH /api/v1/devices/{device_id}": CONFIG,
    "DELETE /api/v1/devices/{device_id}": CONFIG,
    "POST /admin/devices/new": CONFIG,
    "POST /admin/devices/{device_id}": CONFIG,
    "POST /api/v1/printer-groups": CONFIG,
    "PATCH /api/v1/printer-groups/{group_id}": CONFIG,
    "POST /api/v1/printers": CONFIG,
    "PATCH /api/v1/printers/{queue_id}": CONFIG,
    "DELETE /api/v1/printers/{queue_id}": CONFIG,
    "POST /api/v1/queues": CONFIG,
    "PATCH /api/v1/queues/{queue_id}": CONFIG,
    "DELETE /api/v1/queues/{queue_id}": CONFIG,
    "POST /api/v1/release-groups": CONFIG,
    "PATCH /api/v1/release-groups/{group_id}": CONFIG,
    "DELETE /api/v1/release-groups/{group_id}": CONFIG,
    "PUT /api/v1/release-groups/{group_id}/members/{device_id}": CONFIG,
    "DELETE /api/v1/release-groups/{group_id}/members/{device_id}": CONFIG,
    "POST /admin/release-groups": CONFIG,
    "POST /admin/release-groups/{group_id}/{action}": CONFIG,
    # enrolment and revocation of agents and terminals
    "POST /api/v1/agents/enrolment-codes": ENROL,
    "POST /api/v1/agents/{agent_id}/enrolment-codes": ENROL,
    "POST /api/v1/agents/{agent_id}/revoke": ENROL,
    "POST /api/v1/agent/register": ENROL,
    "POST /api/v1/terminals/enrolment-codes": ENROL,
    "POST /api/v1/terminals/{terminal_id}/revoke": ENROL,
    "POST /api/v1/terminal/register": ENROL,
    "POST /admin/terminals/codes": ENROL,
    "POST /admin/terminals/{terminal_id}/revoke": ENROL,
    # central's side of replication
    "POST /api/v1/sync/enrol": SYNC,
    "POST /api/v1/sync/remotes": SYNC,
    "POST /api/v1/sync/outbox": SYNC,
    "POST /api/v1/sync/jobs": SYNC,
}

#: Served at a remote as at central: the site's work, and what stays local to a server.
SITE_SERVED: frozenset[str] = frozenset({
    # the agent link
    "POST /api/v1/agent/authenticate",
    "POST /api/v1/agent/authorize",
    "POST /api/v1/agent/device-status",
    "POST /api/v1/agent/drop-twin",
    "POST /api/v1/agent/jobs/{job_id}/complete",
    "POST /api/v1/agent/jobs/{job_id}/fetch-failed",
    "POST /api/v1/agent/jobs/{job_id}/printing",
    "POST /api/v1/agent/offline-jobs",
    # terminals, kiosk, mobile and release pages, held jobs
    "POST /api/v1/terminal/sessions",
    "DELETE /api/v1/terminal/sessions/{session_id}",
    "POST /api/v1/terminal/sessions/{session_id}/release",
    "POST /api/v1/terminal/sessions/{session_id}/delete",
    "POST /api/v1/terminal/sessions/{session_id}/copy",
    "POST /api/v1/terminal/sessions/{session_id}/copy/counts",
    "POST /api/v1/terminal/sessions/{session_id}/copy/close",
    "POST /api/v1/release/release",
    "POST /api/v1/release/delete",
    "POST /held",
    "POST /kiosk/{device_name}/sign-in",
    "POST /kiosk/{device_name}/sign-out",
    "POST /kiosk/{device_name}/jobs",
    "POST /kiosk/{device_name}/copy/start",
    "POST /kiosk/{device_name}/copy/end",
    "POST /m/{device_name}/sign-in",
    "POST /m/{device_name}/release",
    "POST /login",
    "POST /logout",
    # jobs live where they were authorized
    "POST /api/v1/jobs/{job_id}/cancel",
    "POST /api/v1/jobs/{job_id}/approval",
    "POST /api/v1/popup/questions/{question_id}/answer",
    # ledger entries: the remote's outbox takes them to central
    "POST /api/v1/accounts/{account_id}/top-up",
    "POST /api/v1/accounts/{account_id}/adjustments",
    "POST /api/v1/transfers",
    # at a remote: only the schedules central delegated to it
    "POST /api/v1/quota-schedules/run",
    # answers computed from the replica, changing nothing
    "POST /api/v1/price-lists/{price_list_id}/quote",
    "POST /api/v1/rules/check",
    "POST /api/v1/rules/dry-run",
    "POST /admin/rules/dry-run",
    # each server's own notifications (LOCAL tables)
    "PATCH /api/v1/notify/settings",
    "PUT /api/v1/notify/templates/{kind}",
    "DELETE /api/v1/notify/templates/{kind}",
    "POST /api/v1/notify/templates/{kind}/preview",
    "POST /api/v1/notify/webhooks",
    "PATCH /api/v1/notify/webhooks/{endpoint_id}",
    "DELETE /api/v1/notify/webhooks/{endpoint_id}",
    "POST /api/v1/notify/webhooks/{endpoint_id}/test",
    "POST /api/v1/notify/outbox/{message_id}/retry",
    "POST /admin/notifications/settings",
    "POST /admin/notifications/templates/{kind}",
    "POST /admin/notifications/webhooks",
    "POST /admin/notifications/webhooks/{endpoint_id}/{action}",
    "POST /admin/notifications/outbox/{message_id}/retry",
})


def refuse_central_only(connection: HTTPConnection) -> None:
    """The app-wide dependency: at a remote (the container's ``replica``), a route of
    ``CENTRAL_ONLY`` answers 503 ``central_only`` before it reads or changes anything."""
    if connection.scope["type"] != "http" or not connection.app.state.container.replica:
        return
    route = connection.scope.get("route")
    why = CENTRAL_ONLY.get(f"{connection.scope['method']} {getattr(route, 'path', '')}")
    if why is not None:
        raise CentralOnly(f"a remote site server does not do this ({why}): do it at "
                          "central, and it reaches this site by replication")
