"""IPP/2.2 jobs on an agent queue: multi-document jobs print document by document, and a
job subscription's notifications follow the job through the agent's pipeline; hostile
subscription requests meet the queue's caps."""

from __future__ import annotations

from printwarden.ipp import (
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    boolean,
    integer,
    keyword,
    mime_media_type,
    name,
    uri,
)
from tests.agent.e2e.conftest import AgentFactory
from tests.agent.e2e.support import AgentProcess, add_agent_queue, poll, server_jobs
from tests.agent.intake.ipp_client import ipp
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, make_pdf

PDF = mime_media_type("document-format", "application/pdf")


def _job_id(answer: IppMessage) -> int:
    found = answer.get(DelimiterTag.JOB, "job-id")
    assert found is not None and isinstance(found.value, int), answer
    return found.value


def _pull(*events: str) -> AttributeGroup:
    return AttributeGroup(DelimiterTag.SUBSCRIPTION, [
        keyword("notify-pull-method", "ippget"), keyword("notify-events", *events)])


def _started(live: LiveServer, world: World, agent_factory: AgentFactory,
             downstream: RunningVirtualPrinter) -> AgentProcess:
    agent = agent_factory()
    agent.start(enrol=world.code)
    add_agent_queue(world, agent, "hall", downstream.uri)
    return agent


def test_a_multi_document_job_prints_each_document_in_order(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    agent = _started(live, world, agent_factory, downstream)
    job = _job_id(ipp(agent, "hall", Operation.CREATE_JOB, name("job-name", "two parts")))
    one = make_pdf(downstream.directory.parent / "one.pdf", pages=1).read_bytes()
    two = make_pdf(downstream.directory.parent / "two.pdf", pages=2).read_bytes()
    for data, last, document in ((one, False, "part-one.pdf"), (two, True, "part-two.pdf")):
        sent = ipp(agent, "hall", Operation.SEND_DOCUMENT, integer("job-id", job), PDF,
                   boolean("last-document", last), name("document-name", document),
                   data=data)
        assert sent.status_code == StatusCode.SUCCESSFUL_OK
    poll(lambda: agent.job_value("hall", job, "job-state") == 9, "the job completed")
    assert agent.job_value("hall", job, "number-of-documents") == 2
    assert agent.job_value("hall", job, "job-impressions") == 3
    documents = ipp(agent, "hall", Operation.GET_DOCUMENTS, integer("job-id", job),
                    keyword("requested-attributes", "document-name", "document-state"))
    assert [(g["document-name"].value, g["document-state"].value)
            for g in documents.groups_with(DelimiterTag.DOCUMENT)] == [
        ("part-one.pdf", 9), ("part-two.pdf", 9)]
    received = sorted(downstream.directory.iterdir(), key=lambda p: int(p.name.split("-")[0]))
    assert [p.read_bytes() for p in received] == [one, two]  # in order, byte for byte
    assert len(server_jobs(live, "alice")) == 2  # charged document by document
    late = ipp(agent, "hall", Operation.SEND_DOCUMENT, integer("job-id", job), PDF,
               boolean("last-document", True), data=one)
    assert late.status_code == StatusCode.CLIENT_ERROR_NOT_POSSIBLE


def test_a_job_subscription_reports_the_job_until_it_completes(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    agent = _started(live, world, agent_factory, downstream)
    document = make_pdf(downstream.directory.parent / "one.pdf").read_bytes()
    printed = ipp(agent, "hall", Operation.PRINT_JOB, PDF, data=document,
                  groups=[_pull("job-state-changed", "job-completed")])
    assert printed.status_code == StatusCode.SUCCESSFUL_OK
    group = printed.group(DelimiterTag.SUBSCRIPTION)
    assert group is not None
    subscription = int(group["notify-subscription-id"].value)  # type: ignore[call-overload]

    def events() -> IppMessage | None:
        answer = ipp(agent, "hall", Operation.GET_NOTIFICATIONS,
                     integer("notify-subscription-ids", subscription))
        return answer if answer.status_code == StatusCode.SUCCESSFUL_OK_EVENTS_COMPLETE \
            else None
    done = poll(events, "the job's last notification")
    kinds = [g["notify-subscribed-event"].value
             for g in done.groups_with(DelimiterTag.EVENT_NOTIFICATION)]
    assert kinds[-1] == "job-completed" and "job-state-changed" in kinds
    last = done.groups_with(DelimiterTag.EVENT_NOTIFICATION)[-1]
    assert last["job-state"].value == 9 and last["notify-job-id"].value == _job_id(printed)
    assert [g["notify-sequence-number"].value
            for g in done.groups_with(DelimiterTag.EVENT_NOTIFICATION)] == list(
        range(1, len(kinds) + 1))
    others = ipp(agent, "hall", Operation.GET_NOTIFICATIONS,
                 integer("notify-subscription-ids", subscription), user="bob")
    assert others.status_code == StatusCode.CLIENT_ERROR_NOT_AUTHORIZED


def test_hostile_subscription_requests_get_ipp_statuses_and_the_agent_stays_up(
        live: LiveServer, world: World, agent_factory: AgentFactory,
        downstream: RunningVirtualPrinter) -> None:
    agent = _started(live, world, agent_factory, downstream)
    flood = ipp(agent, "hall", Operation.CREATE_PRINTER_SUBSCRIPTIONS,
                groups=[_pull("job-completed") for _ in range(3000)], user="mallory")
    assert flood.status_code == StatusCode.SUCCESSFUL_OK_IGNORED_SUBSCRIPTIONS
    made = [g for g in flood.groups_with(DelimiterTag.SUBSCRIPTION)
            if "notify-subscription-id" in g]
    assert len(made) == 20
    push = ipp(agent, "hall", Operation.CREATE_PRINTER_SUBSCRIPTIONS, groups=[
        AttributeGroup(DelimiterTag.SUBSCRIPTION, [
            uri("notify-recipient-uri", "rss://attacker.example/feed"),
            keyword("notify-events", "job-completed")])])
    assert push.status_code == StatusCode.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS
    refused = push.group(DelimiterTag.SUBSCRIPTION)
    assert refused is not None
    assert refused["notify-status-code"].value == StatusCode.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED
    huge = ipp(agent, "hall", Operation.CREATE_PRINTER_SUBSCRIPTIONS, groups=[
        AttributeGroup(DelimiterTag.SUBSCRIPTION, [
            keyword("notify-pull-method", "ippget"),
            integer("notify-lease-duration", 2**31 - 1)])])
    assert huge.status_code == StatusCode.CLIENT_ERROR_IGNORED_ALL_SUBSCRIPTIONS
    assert agent.alive()
    assert agent.printer_value("hall", "printer-state")[0] in (3, 4)
