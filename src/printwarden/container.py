"""The server's wired services. Built by ``printwarden.server.bootstrap.build_server``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from printwarden.core.clock import Clock
from printwarden.core.errors import AuthenticationFailed, TokenNotReplicated, UnknownToken
from printwarden.core.principal import Principal
from printwarden.core.settings import ServerSettings
from printwarden.db.engine import Database

if TYPE_CHECKING:
    from printwarden.accounts.service import AccountsService
    from printwarden.db.audit import AuditLog
    from printwarden.devices.service import DevicesService
    from printwarden.jobs.questions import QuestionService
    from printwarden.jobs.service import JobsService
    from printwarden.ledger.service import LedgerService
    from printwarden.notify.notice_board import NoticeBoard
    from printwarden.notify.notifier import Notifier
    from printwarden.notify.service import NotifyService
    from printwarden.policy.service import RulesService
    from printwarden.release.kiosk_copies import KioskCopies
    from printwarden.release.rule_actions import RuleActions
    from printwarden.release.service import ReleaseService
    from printwarden.release.terminal_sessions import TerminalSessions
    from printwarden.release.terminals import TerminalService
    from printwarden.sync.feed import Feed
    from printwarden.sync.job_intake import JobIntake
    from printwarden.sync.reconcile import Reconciler
    from printwarden.sync.remotes import Remotes

USER_TOKEN_PREFIX = "pwu_"
AGENT_TOKEN_PREFIX = "pwa_"
TERMINAL_TOKEN_PREFIX = "pwt_"
REMOTE_TOKEN_PREFIX = "pwr_"


@dataclass
class ServerContainer:
    settings: ServerSettings
    db: Database
    clock: Clock
    audit: AuditLog
    accounts: AccountsService
    ledger: LedgerService
    devices: DevicesService
    jobs: JobsService
    release: ReleaseService
    terminals: TerminalService
    terminal_sessions: TerminalSessions
    kiosk_copies: KioskCopies
    questions: QuestionService
    rules: RulesService
    rule_actions: RuleActions
    #: ``emit_in``: the one call producers make to notify (pop-up, e-mail, webhooks).
    notifier: Notifier
    #: Notification settings, templates, webhook endpoints, the outbox (admins).
    notify: NotifyService
    notices: NoticeBoard
    #: Central's change feed and snapshot of the replicated tables.
    feed: Feed
    #: Site remotes: enrolment, tokens, last contact and lag.
    remotes: Remotes
    #: Central applies remotes' pushed ledger outboxes (problems and reports included).
    reconciler: Reconciler
    #: Central records remotes' ended jobs in its job log.
    job_intake: JobIntake
    extras: dict[str, object] = field(default_factory=dict)
    #: Agents verify find-me fetch tokens with it (base64url raw Ed25519; ``agent/config``).
    fetch_token_public_key: str = ""
    #: True in a remote's container: its tokens are central's, replicated, so a token it
    #: has no row for may be one central made after the last pull (not a refusal).
    replica: bool = False

    def authenticate_bearer(self, token: str, *, source: str = "") -> Principal:
        """The principal of a bearer token; user-token failures are throttled per source.

        At a remote, an agent's, terminal's or user's token it does not know is
        ``TokenNotReplicated`` (503), not a 401: agents, terminals and pop-ups take a 401
        for a revocation and drop their token, and this one may be good at central (made
        after the remote's last pull). A revoked token is refused at a remote like at
        central (the revocation replicates)."""
        try:
            return self._principal_for_bearer(token, source)
        except UnknownToken as exc:
            if self.replica and not token.startswith(REMOTE_TOKEN_PREFIX):
                raise TokenNotReplicated(
                    "this remote does not know this token (yet): central may have made it "
                    "after the remote's last pull; try central, or here again shortly"
                ) from exc
            raise

    def _principal_for_bearer(self, token: str, source: str) -> Principal:
        if token.startswith(USER_TOKEN_PREFIX):
            return self.accounts.principal_for_token(token, source=source)
        if token.startswith(AGENT_TOKEN_PREFIX):
            return self.devices.principal_for_agent_token(token)
        if token.startswith(TERMINAL_TOKEN_PREFIX):
            return self.terminals.principal_for_token(token)
        if token.startswith(REMOTE_TOKEN_PREFIX):
            return self.remotes.principal_for_token(token)
        raise AuthenticationFailed("unknown or revoked token")

    def principal_for_user(self, user_id: str) -> Principal | None:
        return self.accounts.principal_for_user(user_id)
