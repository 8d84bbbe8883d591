"""Document analysis runs in a child process; a child that dies costs one reasoned result."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from printwarden.agent.analysis_worker import Analyser, AnalysisSummary
from tests.support.peers import make_pdf


def _pid_as_pages(path: str, format_hint: str | None, lines: int) -> AnalysisSummary:
    return AnalysisSummary(os.getpid(), 0, 0)


def _die(path: str, format_hint: str | None, lines: int) -> AnalysisSummary:
    if path.endswith("poison.pdf"):
        os._exit(3)  # what an out-of-memory kill or a crash in native code looks like
    from printwarden.agent.analysis_worker import analyse_summary

    return analyse_summary(path, format_hint, lines)


def test_a_document_is_analysed_in_another_process(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "three.pdf", pages=3)

    async def scenario() -> tuple[AnalysisSummary, AnalysisSummary]:
        real, probe = Analyser(), Analyser(function=_pid_as_pages)
        try:
            return (await real.analyse(pdf, "application/pdf", 60),
                    await probe.analyse(pdf, None, 60))
        finally:
            real.close()
            probe.close()
    summary, where = asyncio.run(scenario())

    assert (summary.pages, summary.color_pages, summary.mono_pages) == (3, 0, 3)
    assert summary.sizes == {"iso_a4_210x297mm": 3} and summary.reason == ""
    assert where.pages not in (None, os.getpid())


def test_a_child_that_dies_gives_a_reason_and_the_next_document_a_fresh_child(
        tmp_path: Path) -> None:
    poison = make_pdf(tmp_path / "poison.pdf", pages=1)
    good = make_pdf(tmp_path / "good.pdf", pages=2)

    async def scenario() -> tuple[AnalysisSummary, AnalysisSummary]:
        analyser = Analyser(function=_die)
        try:
            return (await analyser.analyse(poison, "application/pdf", 60),
                    await analyser.analyse(good, "application/pdf", 60))
        finally:
            analyser.close()
    died, after = asyncio.run(scenario())

    assert died.pages is None and "analyser stopped" in died.reason
    assert after.pages == 2 and after.reason == ""
