"""``printwarden analyse FILE... [--json] [--lines-per-page N]``.

``app`` is a Typer sub-app whose callback is the command, so the root CLI mounts it
with ``root.add_typer(app, name="analyse")``; ``analyse_command`` can instead be
registered directly with ``root.command("analyse")(analyse_command)``.
Exit status 1 only when a file cannot be read at all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from printwarden.cli.support import POSITIVE_INT, SECONDS
from printwarden.documents.analyse import analyse
from printwarden.documents.model import DocumentInfo, Limits

app = typer.Typer(help="Analyse documents: pages, colour pages, media sizes.")


def _unreadable(path: Path) -> bool:
    return not path.is_file() or not os.access(path, os.R_OK)


def _summary(path: Path, info: DocumentInfo) -> str:
    if info.pages is None:
        return f"{path}: {info.format}, not analysed: {info.reason}"
    sizes = ", ".join(f"{name} x{n}" for name, n in sorted(info.sizes.items()))
    colour = f"{info.color_pages} colour, {info.mono_pages} mono"
    if info.unknown_color_pages:
        colour += f", {info.unknown_color_pages} unknown"
    line = f"{path}: {info.format}, {info.pages} pages ({colour}); {sizes}; via {info.method}"
    if info.estimated:
        line += f" [estimated: {info.reason}]"
    for warning in info.warnings:
        line += f"\n  warning: {warning}"
    return line


def analyse_command(
    files: list[Path] = typer.Argument(..., help="Documents to analyse."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line per file."),
    lines_per_page: int = typer.Option(60, "--lines-per-page", parser=POSITIVE_INT,
                                       help="For plain text."),
    max_seconds: float = typer.Option(30.0, "--max-seconds", parser=SECONDS,
                                      help="Time budget per file."),
) -> None:
    """Print pages, colour/mono pages and media sizes of each FILE."""
    limits = Limits(max_seconds=max_seconds)
    failures = 0
    for path in files:
        if _unreadable(path):
            failures += 1
        info = analyse(path, limits=limits, lines_per_page=lines_per_page)
        if as_json:
            record = {"file": str(path), **info.to_json_dict()}
            typer.echo(json.dumps(record, sort_keys=False))
        else:
            typer.echo(_summary(path, info))
    if failures:
        raise typer.Exit(code=1)


app.callback(invoke_without_command=True, context_settings={"allow_interspersed_args": True})(
    analyse_command
)
