"""The document analysis worker process: ``python -m printwarden.agent.processing.analysis_child``.

Reads one JSON request per line on stdin (``{"path", "format_hint", "lines_per_page"}``)
and writes one JSON answer per line on stdout (the ``AnalysisSummary`` fields). It imports
``printwarden.documents`` and nothing of the agent, so it stays small; the agent starts it
on the first job and again after it dies (see ``analysis_worker``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

Analyse = Callable[[str, str | None, int], dict[str, Any]]


def analyse_request(path: str, format_hint: str | None, lines_per_page: int) -> dict[str, Any]:
    from printwarden.documents import analyse  # never raises: a reasoned result

    info = analyse(Path(path), format_hint=format_hint, lines_per_page=lines_per_page)
    return {"pages": info.pages, "color_pages": info.color_pages,
            "mono_pages": info.mono_pages, "sizes": dict(info.sizes),
            "estimated": info.estimated, "reason": info.reason or ""}


def serve(requests: Iterable[str], out: IO[str], analyse: Analyse = analyse_request) -> None:
    """Answer each request line with one JSON line, in order."""
    for line in requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            answer = analyse(str(request["path"]), request.get("format_hint"),
                             int(request.get("lines_per_page", 60)))
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
    args = parser.parse_args(argv)
    limit_resources(args.nice, args.memory_limit)
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
