"""Composition root of the server role: settings -> database -> services -> container."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import structlog

from printwarden.accounts.service import AccountsService
from printwarden.container import ServerContainer
from printwarden.core.clock import Clock, SystemClock
from printwarden.core.fetch_token import KEY_FILE, load_or_create_signer
from printwarden.core.private_files import LooseMode, secure_paths, with_sqlite_companions
from printwarden.core.settings import SECRETS_FILE, SETTINGS_FILE, ServerSettings
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.db.migrate import upgrade
from printwarden.devices.service import DevicesService
from printwarden.jobs.authorization import RulesWiring
from printwarden.jobs.questions import QuestionService
from printwarden.jobs.service import JobsService
from printwarden.ledger.offline_funds import OfflineFunds
from printwarden.ledger.service import LedgerService
from printwarden.ledger.service_base import CENTRAL_SITE, EntriesPosted
from printwarden.notify.notice_board import NoticeBoard
from printwarden.notify.notifier import Notifier
from printwarden.notify.sender import OutboxSender
from printwarden.notify.service import NotifyService
from printwarden.notify.transports import HttpPoster, Mailer, SmtpMailer, WebhookPoster
from printwarden.policy.service import References, RulesService
from printwarden.release.find_me import FindMe
from printwarden.release.kiosk_copies import KioskCopies, SnmpOptions
from printwarden.release.rule_actions import RuleActions
from printwarden.release.service import ReleaseService
from printwarden.release.snmp_client import SnmpClient
from printwarden.release.snmp_reader import SnmpReader
from printwarden.release.terminal_sessions import TerminalSessions
from printwarden.release.terminals import TerminalService
from printwarden.server.notify_wiring import both_told, ledger_entry_listener, user_in
from printwarden.sync.feed import Feed
from printwarden.sync.job_intake import JobIntake
from printwarden.sync.reconcile import Reconciler
from printwarden.sync.remotes import Remotes

log = structlog.get_logger("printwarden.server")


def secure_data_dir(settings: ServerSettings) -> list[LooseMode]:
    """Data directory 0700; database (with WAL/SHM), secrets and settings 0600: what was
    open to others is tightened and logged as a warning."""
    data_dir = settings.data_dir
    files = [data_dir / SECRETS_FILE, data_dir / SETTINGS_FILE, data_dir / KEY_FILE]
    url = sa.make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        files += with_sqlite_companions(Path(url.database))
    loose = secure_paths([data_dir], files)
    for finding in loose:
        log.warning("insecure_file_mode", path=str(finding.path), mode=f"{finding.mode:04o}",
                    fixed=finding.fixed, detail=finding.describe())
    return loose


def build_server(
    settings: ServerSettings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    snmp: SnmpReader | None = None,
    mailer: Mailer | None = None,
    poster: WebhookPoster | None = None,
    site: str = CENTRAL_SITE,
    entry_sink: EntriesPosted | None = None,
    offline: OfflineFunds | None = None,
) -> ServerContainer:
    """Wire every server service. Tests pass their own ``db`` and ``clock`` (and may pass an
    ``snmp`` reader; the default speaks SNMP to the devices; and a ``mailer`` or webhook
    ``poster``, by default SMTP and HTTP); nothing is patched. A remote passes its link
    with central as ``offline`` (central has none: it is never offline).

    A remote's composition root passes its ``site`` name (its entries' ``origin_site``)
    and its ``entry_sink`` (the ledger outbox), told of every entry in its transaction.

    The data directory and its files are made private first (``secure_data_dir``)."""
    secure_data_dir(settings)
    database = db or Database(settings.effective_database_url,
                              retry_seconds=settings.database_retry_seconds)
    if migrate:
        upgrade(database)
    the_clock = clock or SystemClock()
    audit = AuditLog(database, the_clock)
    accounts = AccountsService(
        database, the_clock, audit, settings.card_hmac_key.encode(),
        login_per_minute=settings.login_rate_limit_per_minute,
        source_per_minute=settings.login_source_rate_limit_per_minute,
        pin_per_minute=settings.pin_rate_limit_per_minute,
        terminal_per_minute=settings.terminal_rate_limit_per_minute,
        card_alone_allowed=settings.card_alone_allowed,
        id_number_length=settings.id_number_length)
    questions = QuestionService(database, the_clock, audit)
    notifier = Notifier(database, the_clock, user_in=user_in, bell=questions.bell)
    notify = NotifyService(database, the_clock, audit, notifier=notifier, sender=OutboxSender(
        database, the_clock, mailer=mailer or SmtpMailer(),
        poster=poster or HttpPoster(settings.notify_webhook_timeout_seconds),
        max_attempts=settings.notify_max_attempts,
        backoff_seconds=settings.notify_backoff_seconds))
    webhooks = ledger_entry_listener(notifier)
    ledger = LedgerService(database, the_clock, audit, currency=settings.currency,
                           site=site, max_posting_minor=settings.max_top_up_minor,
                           on_entries=webhooks if entry_sink is None
                           else both_told(webhooks, entry_sink), offline=offline,
                           offline_credit_default=settings.offline_credit_default)
    devices = DevicesService(database, the_clock, audit, price_lists=ledger,
                             enrolment_per_minute=settings.enrolment_rate_limit_per_minute)
    jobs = JobsService(database, the_clock, audit, ledger=ledger, devices=devices,
                       accounts=accounts, notifier=notifier,
                       low_balance_minor=settings.low_balance_minor)
    notices = NoticeBoard(database, the_clock, questions.bell)
    signer = load_or_create_signer(settings.data_dir)
    release = ReleaseService(database, the_clock, audit, ledger=ledger, devices=devices,
                             jobs=jobs, find_me=FindMe(signer, settings.fetch_token_seconds))
    terminals = TerminalService(
        database, the_clock, audit, devices=devices,
        enrolment_per_minute=settings.enrolment_rate_limit_per_minute)
    terminal_sessions = TerminalSessions(
        database, the_clock, audit, terminals=terminals, accounts=accounts, ledger=ledger,
        release=release, idle_seconds=settings.terminal_session_idle_seconds,
        copy_cap_minor=settings.copy_session_max_minor,
        card_self_registration=settings.terminal_card_self_registration)
    kiosk_copies = KioskCopies(
        database, the_clock, audit, ledger=ledger, devices=devices,
        snmp=snmp or SnmpClient(the_clock), idle_seconds=settings.kiosk_idle_seconds,
        cap_minor=settings.copy_session_max_minor,
        options=SnmpOptions(settings.copy_snmp_timeout_seconds, settings.copy_snmp_retries))
    rules = RulesService(database, the_clock, audit,
                         references=_rule_references(database, accounts, devices))
    rule_actions = RuleActions(
        database, the_clock, audit, release=release, jobs=jobs, ledger=ledger,
        devices=devices, accounts=accounts, questions=questions,
        timeout_cap_seconds=settings.question_timeout_max_seconds)
    questions.attach_resolver(rule_actions)
    jobs.attach_policy(RulesWiring(rules=rules, asker=questions, dispatcher=rule_actions,
                                   fail_safe=settings.policy_fail_safe,
                                   timeout_cap_seconds=settings.question_timeout_max_seconds))
    return ServerContainer(
        settings=settings, db=database, clock=the_clock, audit=audit, accounts=accounts,
        ledger=ledger, devices=devices, jobs=jobs, release=release,
        fetch_token_public_key=signer.public_key,
        terminals=terminals, terminal_sessions=terminal_sessions, kiosk_copies=kiosk_copies,
        questions=questions, rules=rules, rule_actions=rule_actions,
        notifier=notifier, notify=notify, notices=notices,
        feed=Feed(database), remotes=Remotes(
            database, the_clock, audit,
            enrolment_per_minute=settings.enrolment_rate_limit_per_minute),
        reconciler=Reconciler(database, the_clock, currency=settings.currency,
                              offline_credit_default=settings.offline_credit_default),
        job_intake=JobIntake(database, the_clock, ledger),
    )


def _rule_references(db: Database, accounts: AccountsService,
                     devices: DevicesService) -> References:
    """What a rule may name: queues, device (pricing) groups, release groups, user groups."""
    def exists(kind: str, name: str) -> bool:
        if kind == "queue":
            return devices.find_queue_by_name(name) is not None
        if kind == "release_group":
            return devices.find_release_group_by_name(name) is not None
        if kind == "user_group":
            return accounts.find_group_by_name(name) is not None
        if kind == "device_group":
            return any(group.name == name for group in devices.list_groups())
        return False

    return exists
