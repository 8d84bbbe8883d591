from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import typer
from typer.testing import CliRunner

from printwarden.cli.analyse import app
from tests.documents.corpus import Case


def test_json_lines_one_per_file(case: Callable[[str], Case]) -> None:
    files = [str(case("pdf_mixed").path), str(case("text").path)]
    result = CliRunner().invoke(app, [*files, "--json", "--lines-per-page", "100"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["pages"] for r in records] == [4, 3]  # 100 + 30 lines, form feed, 1 line
    assert records[0]["color_pages"] == 2 and records[0]["mono_pages"] == 2
    assert records[0]["sizes"] == {"iso_a4_210x297mm": 4}
    assert records[0]["format"] == "pdf" and records[0]["method"].startswith("pdf")


def test_unreadable_file_gives_non_zero_exit(case: Callable[[str], Case], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [str(case("pdf_mixed").path), str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "4 pages" in result.output and "cannot read" in result.output


def test_bad_but_readable_file_exits_zero(case: Callable[[str], Case]) -> None:
    result = CliRunner().invoke(app, [str(case("pdf_garbage").path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["pages"] is None


def test_mounted_as_printwarden_analyse(case: Callable[[str], Case]) -> None:
    root = typer.Typer()

    @root.command()
    def version() -> None:
        typer.echo("0")

    root.add_typer(app, name="analyse")
    result = CliRunner().invoke(root, ["analyse", str(case("pdf_mixed").path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pages"] == 4
