"""The verdict on an analysed document: accept, rewrite or refuse (never a guess)."""

from __future__ import annotations

from printwarden.agent.processing.analysis_worker import TIMED_OUT, AnalysisSummary
from printwarden.agent.processing.counting_rule import after_rewrite, verdict


def summary(pages: int | None, *, certain: bool = True, fmt: str = "pdf",
            reason: str = "") -> AnalysisSummary:
    return AnalysisSummary(pages, 0, pages, format=fmt, count_certain=certain,
                           estimated=not certain, reason=reason)


def test_a_certain_count_prints_as_it_is_and_an_uncertain_one_follows_the_policy() -> None:
    assert verdict(summary(3), "refuse").action == "accept"
    lie = summary(1, certain=False, reason="malformed page tree: a /Count of 1000000")
    assert verdict(lie, "rewrite").action == "rewrite"
    refused = verdict(lie, "refuse")
    assert refused.action == "refuse" and "a /Count of 1000000" in refused.reason
    assert "this queue refuses" in refused.reason
    assert verdict(lie, "something-new").action == "refuse"  # unknown policy: fail safe


def test_formats_without_a_rewriter_are_refused_even_under_rewrite() -> None:
    pcl = summary(1, certain=False, fmt="pcl5", reason="the job asks the printer for 9 copies")
    refused = verdict(pcl, "rewrite")
    assert refused.action == "refuse" and "pcl5 documents cannot be rewritten" in refused.reason


def test_unknown_pages_a_timeout_no_pages_and_a_lying_declaration_are_refused() -> None:
    timed = verdict(AnalysisSummary.unknown(f"{TIMED_OUT} 5 s"), "rewrite")
    assert timed.action == "refuse" and timed.reason.startswith(
        "refused: the document analysis did not finish within 5 s")
    assert verdict(summary(None, reason="empty file"), "rewrite").action == "refuse"
    assert verdict(summary(0), "rewrite").reason == "refused: the document has no pages"
    declared = verdict(summary(2, fmt="pdf"), "rewrite", declared="text")
    assert declared.action == "refuse" and "declared as text but its content is pdf" in (
        declared.reason)
    assert verdict(summary(2, fmt="pdf"), "rewrite", declared="pdf").action == "accept"


def test_a_rewrite_is_accepted_only_with_exactly_the_counted_pages_and_certain() -> None:
    first = summary(4, certain=False)
    assert after_rewrite(first, summary(4)).action == "accept"
    assert after_rewrite(first, summary(5)).action == "refuse"
    assert after_rewrite(first, summary(4, certain=False)).action == "refuse"
    failed = AnalysisSummary.unknown("qpdf cannot read the file")
    assert "qpdf cannot read the file" in after_rewrite(first, failed).reason


def test_an_answer_that_does_not_say_certain_is_uncertain() -> None:
    assert not AnalysisSummary.from_answer({"pages": 3}).count_certain
    assert AnalysisSummary.from_answer({"pages": 3, "count_certain": True}).count_certain
    assert AnalysisSummary.from_answer({"pages": -1}).pages is None
    assert AnalysisSummary.from_answer({"pages": True}).pages is None
