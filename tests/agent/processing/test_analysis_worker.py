"""Document analysis runs in a worker process; a worker that dies costs one reasoned result."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from pathlib import Path

from printwarden.agent.processing.analysis_child import serve
from printwarden.agent.processing.analysis_worker import Analyser, AnalysisSummary
from tests.support.peers import make_pdf

#: A worker that dies on a document named poison.pdf and analyses the others.
DYING_WORKER = """
import os, sys
from printwarden.agent.processing.analysis_child import analyse_request, serve
def analyse(path, hint, lines):
    if path.endswith("poison.pdf"):
        os._exit(3)  # what an out-of-memory kill or a crash in native code looks like
    return analyse_request(path, hint, lines)
serve(sys.stdin, sys.stdout, analyse)
"""


def test_a_document_is_analysed_in_another_process(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "three.pdf", pages=3)

    async def scenario() -> tuple[AnalysisSummary, int | None]:
        analyser = Analyser()
        try:
            summary = await analyser.analyse(pdf, "application/pdf", 60)
            return summary, analyser.pid
        finally:
            await analyser.aclose()
    summary, pid = asyncio.run(scenario())

    assert (summary.pages, summary.color_pages, summary.mono_pages) == (3, 0, 3)
    assert summary.sizes == {"iso_a4_210x297mm": 3} and summary.reason == ""
    assert pid is not None and pid != os.getpid()


def test_a_worker_that_dies_gives_a_reason_and_the_next_document_a_fresh_worker(
        tmp_path: Path) -> None:
    poison = make_pdf(tmp_path / "poison.pdf", pages=1)
    good = make_pdf(tmp_path / "good.pdf", pages=2)

    async def scenario() -> list[tuple[AnalysisSummary, int | None]]:
        analyser = Analyser(command=[sys.executable, "-c", DYING_WORKER])
        results = []
        try:
            for document in (good, poison, good):
                summary = await analyser.analyse(document, "application/pdf", 60)
                results.append((summary, analyser.pid))
            return results
        finally:
            await analyser.aclose()
    (first, first_pid), (died, _), (after, after_pid) = asyncio.run(scenario())

    assert first.pages == 2
    assert died.pages is None and "analyser stopped" in died.reason
    assert after.pages == 2 and after.reason == ""
    assert first_pid != after_pid


def test_the_worker_answers_every_line_even_a_bad_one(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "one.pdf", pages=1)
    out = io.StringIO()

    serve(["not json\n", json.dumps({"path": str(pdf)}) + "\n",
           json.dumps({"path": str(tmp_path / "missing.pdf")}) + "\n"], out)

    bad, good, missing = (json.loads(line) for line in out.getvalue().splitlines())
    assert bad["pages"] is None and "analysis request failed" in bad["reason"]
    assert good["pages"] == 1
    assert missing["pages"] is None and missing["reason"]
