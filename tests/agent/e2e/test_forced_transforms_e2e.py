"""Acceptance (issue 10, first "Done when"): a 60-page colour PDF printed over real IPP
to an agent queue with the rule "colour and more than 50 pages -> grayscale + duplex"
arrives at the downstream printer grey on every page (printwarden's colour analysis of the
document the virtual printer kept) and two-sided, and the ledger charges the mono duplex
price: 30 sheets.

One server, one agent process and one virtual printer serve the whole module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printwarden.core.money import Money
from printwarden.core.pricing import PriceRule
from printwarden.core.settings import load_server_settings
from printwarden.ipp import (
    DelimiterTag,
    Operation,
    keyword,
    mime_media_type,
    name,
)
from printwarden.server.bootstrap import build_server
from tests.agent.colour_documents import colour_pdf, grey_pages
from tests.agent.e2e.support import (
    AgentProcess,
    add_agent_queue,
    job_id_of,
    poll,
    server_jobs,
)
from tests.agent.support import LiveServer, World, seed
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request, post
from tests.support.databases import SqliteFactory

#: The device's mono two-sided price per sheet (the seeded default list prices per page).
DUPLEX_SHEET = 7
SIMPLEX_PAGE = 5
TITLE = "sixty colour pages"
COLOUR_PAGE = 20


class Site:
    """The module's server, agent and printer, with the rule and the prices in place."""

    def __init__(self, live: LiveServer, world: World, agent: AgentProcess,
                 printer: RunningVirtualPrinter) -> None:
        self.live, self.world, self.agent, self.printer = live, world, agent, printer


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory,
         sqlite_factory: SqliteFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("forced")
    db = sqlite_factory.new()
    live = LiveServer(build_server(load_server_settings(root / "server", database_url=db.url),
                                   db=db, migrate=False))
    live.start()
    received = root / "received"
    received.mkdir()
    agent = AgentProcess(root / "agent", live.url)
    try:
        with RunningVirtualPrinter(received) as printer:
            world = seed(live.container, root / "unused.out")
            agent.start(enrol=world.code)
            prices = live.container.ledger.create_price_list(
                "Duplex saver", kind="print", currency="EUR", actor="test", rules=(
                    PriceRule(color="mono", sides="duplex", per_sheet_minor=DUPLEX_SHEET),
                    PriceRule(color="mono", sides="simplex", per_page_minor=SIMPLEX_PAGE),
                    PriceRule(color="color", per_page_minor=COLOUR_PAGE)))
            add_agent_queue(world, agent, "big", printer.uri, price_list_id=prices.id)
            live.container.rules.create("test", {
                "name": "long colour jobs print grey and two-sided",
                "conditions": {"color": True, "pages_min": 51},
                "actions": [{"type": "grayscale"}, {"type": "duplex"}]})
            world.top_up(world.alice_id, 10_000)
            yield Site(live, world, agent, printer)
    finally:
        agent.kill()
        live.stop()
        db.dispose()


def _printed(printer: RunningVirtualPrinter, title: str) -> tuple[Path, dict[str, Any]]:
    """The document the printer kept for the job named ``title``, and its attributes."""
    _, answer = post(printer.http_url, ipp_request(
        Operation.GET_JOBS, printer.uri, keyword("which-jobs", "all"),
        keyword("requested-attributes", "job-id", "job-name", "sides", "print-color-mode")))
    for group in answer.groups_with(DelimiterTag.JOB):
        values = {key: attribute.value for key, attribute in group.items()}
        if values.get("job-name") == title:
            [document] = printer.directory.glob(f"{int(str(values['job-id']))}-*")
            return document, values
    raise AssertionError(f"the printer has no job {title!r}")


def test_a_long_colour_pdf_prints_grey_two_sided_and_is_charged_30_mono_duplex_sheets(
        site: Site) -> None:
    agent, world = site.agent, site.world
    document = colour_pdf(60)
    job_id = job_id_of(agent.ipp("big", Operation.PRINT_JOB,
                               mime_media_type("document-format", "application/pdf"),
                               name("job-name", TITLE), data=document, user="alice"))
    poll(lambda: agent.job_value("big", job_id, "job-state") in (7, 8, 9), "the job to end",
         timeout=120)
    assert agent.job_value("big", job_id, "job-state") == 9, agent.job_value(
        "big", job_id, "job-state-message")

    received, attributes = _printed(site.printer, TITLE)
    assert received.read_bytes() != document
    assert grey_pages(received) == (60, [False] * 60)
    assert attributes["sides"] == "two-sided-long-edge"
    assert attributes["print-color-mode"] == "monochrome"

    [job] = poll(lambda: [j for j in server_jobs(site.live, "alice")
                          if j.title == TITLE and j.state.value == "completed"],
                 "the server job to complete")
    assert (job.pages, job.color_pages, job.duplex) == (60, 0, True)
    entries, _ = world.server.ledger.list_entries(kind="charge", job_id=job.id)
    assert len(entries) == 1
    assert -entries[0].amount == Money(30 * DUPLEX_SHEET, "EUR")
    assert job.charged_cost_minor == 30 * DUPLEX_SHEET
