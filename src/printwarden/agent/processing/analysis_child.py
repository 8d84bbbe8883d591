"""The document analysis worker process: ``python -m printwarden.agent.processing.analysis_child``.

Reads one JSON request per line on stdin and writes one JSON answer per line on stdout:

- ``{"path", "format_hint", "lines_per_page"}``: the ``AnalysisSummary`` fields of the
  document at ``path``;
- ``{"op": "rewrite", "path", "target", "format", "pages", "lines_per_page"}``: write
  ``target``, the document rewritten to exactly ``pages`` pages (``documents.rewrite``),
  and answer the
  summary of the rewritten file plus ``rewrite_method``, or ``pages: null`` and
  ``problem``;
- ``{"op": "grayscale", "path", "target", "format", "timeout"}``: write ``target``, a
  grayscale PDF of the PDF or PostScript document (``documents.transforms``), and answer
  the summary of the converted file plus ``rewrite_method``, or ``pages: null`` and
  ``problem``.

It imports ``printwarden.documents`` and nothing of the agent, so it stays small; the
agent starts it on the first job and again after it dies or overruns its time (see
``analysis_worker``). Ghostscript runs as its child, in the same process group, so the
agent stops both at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from printwarden.documents import DocumentInfo

Analyse = Callable[[str, str | None, int], dict[str, Any]]
Rewrite = Callable[[str, str, str, int, int], dict[str, Any]]
#: The analysis budget (``Limits.max_seconds``), set by ``--seconds``.
_SECONDS = [30.0]


def _limits() -> Any:
    from printwarden.documents import Limits

    return Limits(max_seconds=_SECONDS[0])


def summary_of(info: DocumentInfo) -> dict[str, Any]:
    return {"pages": info.pages, "color_pages": info.color_pages,
            "mono_pages": info.mono_pages, "sizes": dict(info.sizes),
            "estimated": info.estimated, "reason": info.reason or "",
            "format": info.format, "count_certain": info.count_certain}


def analyse_request(path: str, format_hint: str | None, lines_per_page: int) -> dict[str, Any]:
    from printwarden.documents import analyse  # never raises: a reasoned result

    return summary_of(analyse(Path(path), format_hint=format_hint, limits=_limits(),
                              lines_per_page=lines_per_page))


def rewrite_request(path: str, target: str, fmt: str, pages: int,
                    lines_per_page: int) -> dict[str, Any]:
    from printwarden.documents.rewrite import rewrite_to_counted  # never raises

    done = rewrite_to_counted(path, target, fmt, pages, _limits(),
                              lines_per_page=lines_per_page)
    if done.info is None:
        return {"pages": None, "problem": done.problem or "not rewritten",
                "reason": done.problem or "not rewritten", "rewrite_method": done.method}
    return {**summary_of(done.info), "rewrite_method": done.method}


def grayscale_request(path: str, target: str, fmt: str, timeout: float) -> dict[str, Any]:
    """Write ``target``, a grayscale PDF of ``path`` (``documents.transforms``), and answer
    the analysis of what was written (its pages and colour pages, which the agent checks
    against what was priced) plus ``rewrite_method``, or ``pages: null`` and ``problem``."""
    from printwarden.documents import analyse
    from printwarden.documents.transforms import to_grayscale_pdf  # never raises

    done = to_grayscale_pdf(path, target, source_format=fmt, timeout=timeout)
    if not done.ok:
        problem = done.error or "not converted"
        return {"pages": None, "problem": problem, "reason": problem,
                "rewrite_method": done.method}
    info = analyse(Path(target), format_hint="pdf", limits=_limits())
    return {**summary_of(info), "rewrite_method": done.method}


def _answer(request: dict[str, Any], analyse: Analyse, rewrite: Rewrite) -> dict[str, Any]:
    if request.get("op") == "grayscale":
        return grayscale_request(str(request["path"]), str(request["target"]),
                                 str(request["format"]), float(request.get("timeout", 300)))
    if request.get("op") == "rewrite":
        return rewrite(str(request["path"]), str(request["target"]), str(request["format"]),
                       int(request["pages"]), int(request.get("lines_per_page", 60)))
    return analyse(str(request["path"]), request.get("format_hint"),
                   int(request.get("lines_per_page", 60)))


def serve(requests: Iterable[str], out: IO[str], analyse: Analyse = analyse_request,
          rewrite: Rewrite = rewrite_request) -> None:
    """Answer each request line with one JSON line, in order."""
    for line in requests:
        if not line.strip():
            continue
        try:
            answer = _answer(json.loads(line), analyse, rewrite)
        except MemoryError:
            answer = {"pages": None, "reason": "the analysis ran out of memory"}
        except Exception as exc:  # a bad request line: answer it, keep serving
            answer = {"pages": None, "reason": f"analysis request failed: {exc}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def limit_resources(nice: int, memory_limit_bytes: int) -> None:
    if nice and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nice)
    if memory_limit_bytes > 0:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource  # POSIX only

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--memory-limit", type=int, default=0, help="bytes (POSIX)")
    parser.add_argument("--seconds", type=float, default=30.0, help="analysis budget")
    args = parser.parse_args(argv)
    _SECONDS[0] = args.seconds
    limit_resources(args.nice, args.memory_limit)
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
