"""``printwarden rules ...``: print rules from the shell, on the server's database.

``rules test FILE --queue Q --user U`` analyses FILE as the agent would (pages, colour
pages, sizes) and shows which rules fire, in order, the decision and the cost, without
touching the ledger."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from printwarden.cli.support import POSITIVE_INT, central_container, fail, guarded

if TYPE_CHECKING:
    from printwarden.jobs.authorization import DryRun

rules_app = typer.Typer(help="Print rules: list, add, move, delete, and test a file against "
                        "them (a dry run: nothing is charged).", no_args_is_help=True)
ACTOR = "cli"
DataDir = Annotated[Path | None, typer.Option("--data-dir", "-d", help="Data directory.",
                                              show_default=False)]


@rules_app.command("list")
def rules_list(data_dir: DataDir = None,
               as_json: bool = typer.Option(False, "--json", help="As JSON.")) -> None:
    """Every rule in evaluation order."""
    from printwarden.policy.service import rule_json

    rules = guarded(central_container(data_dir).rules.list_rules)
    if as_json:
        typer.echo(json.dumps([rule_json(r) for r in rules], indent=2))
        return
    for rule in rules:
        actions = ", ".join(a.type for a in rule.actions)
        flags = ("" if rule.enabled else " [disabled]") + (" [stop]" if rule.stop else "")
        scope = "all queues" if rule.scope.kind == "all" else (
            f"{rule.scope.kind.replace('_', ' ')} {rule.scope.value}")
        typer.echo(f"{rule.position:3}  {rule.name}  ({scope}) -> {actions}{flags}")
    if not rules:
        typer.echo("no rules: every job is decided by its cost alone")


@rules_app.command("add")
def rules_add(
    file: Annotated[Path, typer.Argument(help="The rule as JSON (docs/rules.md); - for "
                                         "standard input.")],
    data_dir: DataDir = None,
) -> None:
    """Add a rule from a JSON file; a bad rule is refused with the field and the reason."""
    body = _json_of(file)
    rule = guarded(lambda: central_container(data_dir).rules.create(ACTOR, body))
    typer.echo(f"added rule {rule.name!r} at position {rule.position} (id {rule.id})")


@rules_app.command("move")
def rules_move(rule_id: str,
               position: Annotated[int, typer.Argument(help="0 is evaluated first.")],
               data_dir: DataDir = None) -> None:
    """Move a rule to a position."""
    rule = guarded(lambda: central_container(data_dir).rules.move(ACTOR, rule_id, position))
    typer.echo(f"rule {rule.name!r} now at position {rule.position}")


@rules_app.command("delete")
def rules_delete(rule_id: str, data_dir: DataDir = None) -> None:
    """Delete a rule."""
    guarded(lambda: central_container(data_dir).rules.delete(ACTOR, rule_id))
    typer.echo(f"deleted rule {rule_id}")


@rules_app.command("test")
def rules_test(
    file: Annotated[Path, typer.Argument(help="The document to test (PDF, PostScript, PCL, "
                                         "raster, images, text).")],
    queue: Annotated[str, typer.Option("--queue", "-q", help="The queue it is printed to.")],
    user: Annotated[str, typer.Option("--user", "-u", help="Who prints it.")],
    copies: Annotated[int, typer.Option(parser=POSITIVE_INT, help="Copies.")] = 1,
    duplex: Annotated[bool, typer.Option("--duplex", help="Asked two-sided.")] = False,
    mono: Annotated[bool, typer.Option("--mono", help="Asked in monochrome.")] = False,
    application: Annotated[str, typer.Option(help="The application that prints it.")] = "",
    data_dir: DataDir = None,
    as_json: bool = typer.Option(False, "--json", help="As JSON."),
) -> None:
    """Which rules fire on FILE, in order, the decision and the cost (nothing is charged)."""
    from printwarden.documents.analyse import analyse
    from printwarden.documents.detect import mime_for_format
    from printwarden.jobs.messages import Analysis, AuthorizeRequest

    if not file.is_file():
        fail(f"{file}: no such file")
    typer.echo(f"analysing {file} ...", err=True)
    info = analyse(file)
    if info.pages is None:
        fail(f"{file}: pages could not be counted ({info.reason}): the job would be denied",
             code=1)
    request = AuthorizeRequest(
        agent_job_key="dry-run", queue=queue, username=user, title=file.name,
        document_format=mime_for_format(info.format), size_bytes=file.stat().st_size,
        copies=copies, sides="two-sided-long-edge" if duplex else "one-sided",
        color_mode="monochrome" if mono else "auto", application=application,
        analysis=Analysis(pages=info.pages, color_pages=info.color_pages,
                          mono_pages=info.mono_pages, sizes=dict(info.sizes),
                          estimated=info.estimated, reason=info.reason or ""))
    run = guarded(lambda: central_container(data_dir).jobs.dry_run(request))
    if as_json:
        typer.echo(json.dumps(_run_json(run), indent=2))
        return
    typer.echo(f"{file.name}: {info.pages} pages ({info.color_pages} colour) x {copies}")
    fired = run.rules.get("fired", [])
    typer.echo("rules fired, in order: " + (", ".join(fired) if fired else "none"))
    for error in run.rules.get("errors", []):
        typer.echo(f"  rule {error['rule']!r} failed: {error['reason']}")
    for line in run.rules.get("notes", []):
        typer.echo(f"  note: {line}")
    if run.transforms:
        typer.echo("forced: " + ", ".join(run.transforms))
    if run.base_cost is not None and run.cost is not None and run.base_cost != run.cost:
        typer.echo(f"cost before rules: {run.base_cost.total.format()}")
    if run.cost is not None:
        typer.echo(f"cost: {run.cost.total.format()}")
    typer.echo(f"decision: {run.decision}: {run.message}")


def _run_json(run: DryRun) -> dict[str, Any]:
    return {"decision": run.decision, "message": run.message, "queue": run.queue,
            "fired": run.rules.get("fired", []), "errors": run.rules.get("errors", []),
            "notes": run.rules.get("notes", []), "transforms": list(run.transforms),
            "questions": list(run.questions), "hold_reason": run.hold_reason,
            "cost_minor": run.cost.total.minor if run.cost else None,
            "currency": run.cost.total.currency if run.cost else None,
            "cost_before_rules_minor": run.base_cost.total.minor if run.base_cost else None,
            "balance_minor": run.balance_minor}


def _json_of(file: Path) -> Any:
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text("utf-8")
        return json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}")
    except json.JSONDecodeError as exc:
        fail(f"{file}: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
