"""What prints is what was counted: the agent's verdict on an analysed document. Pure.

    certain count                      -> print the document as it is
    pages unknown (failed, timed out)  -> refuse: nothing is charged by a guess
    no pages, or content of another
      format than the one declared     -> refuse
    count not certain, policy rewrite  -> rewrite to the counted pages (pdf, postscript,
                                          pwg-raster, urf, text), then check the rewrite
    count not certain, policy refuse,
      or a format without a rewriter   -> refuse

A rewrite is accepted only when the rewritten file's own analysis is certain and finds
exactly the pages counted first; anything else refuses the job. A refused job is
aborted with the reason as its ``job-state-message``; the server never hears of it, so
nothing is charged and nothing is printed.
"""

from __future__ import annotations

from dataclasses import dataclass

from printwarden.agent.processing.analysis_worker import TIMED_OUT, AnalysisSummary

__all__ = ["REWRITABLE", "Verdict", "after_rewrite", "verdict"]

#: Formats ``documents.rewrite`` can rewrite to the counted pages.
REWRITABLE = ("pdf", "postscript", "pwg-raster", "urf", "text")
ACCEPT, REWRITE, REFUSE = "accept", "rewrite", "refuse"


@dataclass(frozen=True)
class Verdict:
    action: str
    reason: str = ""


def verdict(summary: AnalysisSummary, policy: str, declared: str | None = None) -> Verdict:
    """What to do with a document whose first analysis is ``summary`` on a queue whose
    ``document_policy`` is ``policy`` (an unknown policy refuses). ``declared`` is the
    format the client declared (None for octet-stream or a type without an analyser):
    a document is sent as declared, so content of another format would not print as it
    was counted (a PDF sent as text/plain prints its source code)."""
    if summary.pages is None:
        if summary.reason.startswith(TIMED_OUT):
            return Verdict(REFUSE, f"refused: {summary.reason}; the document is not printed")
        why = summary.reason or "unknown reason"
        return Verdict(REFUSE, f"refused: the pages of the document could not be counted "
                               f"({why})")
    if summary.pages == 0:
        return Verdict(REFUSE, "refused: the document has no pages")
    if declared is not None and summary.format and summary.format != declared:
        return Verdict(REFUSE, f"refused: the document is declared as {declared} but its "
                               f"content is {summary.format}")
    if summary.count_certain:
        return Verdict(ACCEPT)
    doubt = summary.reason or "the analysis is not certain"
    if policy != "rewrite":
        return Verdict(REFUSE, f"refused: the pages of the document cannot be counted "
                               f"exactly ({doubt}); this queue refuses such documents")
    if summary.format not in REWRITABLE:
        return Verdict(REFUSE, f"refused: the pages of the document cannot be counted "
                               f"exactly ({doubt}), and {summary.format or 'such'} documents "
                               f"cannot be rewritten")
    return Verdict(REWRITE, doubt)


def after_rewrite(first: AnalysisSummary, rewritten: AnalysisSummary) -> Verdict:
    """Accept the rewritten document only when it holds exactly the counted pages."""
    if rewritten.pages is None:
        why = rewritten.problem or rewritten.reason or "unknown reason"
        return Verdict(REFUSE, f"refused: the document could not be rewritten to the "
                               f"{first.pages} pages counted ({why})")
    if rewritten.pages != first.pages or not rewritten.count_certain:
        return Verdict(REFUSE, f"refused: the rewritten document has {rewritten.pages} "
                               f"pages where {first.pages} were counted")
    return Verdict(ACCEPT)
