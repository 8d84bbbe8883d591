"""The printwarden command as an administrator types it."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from printwarden.core.settings import load_server_settings
from printwarden.server.bootstrap import build_server
from tests.support.processes import run_cli

#: Every command a person can type (house rule: a command added or removed is a
#: reviewed change, as the HTTP routes are pinned in tests/web/test_route_pin.py).
COMMANDS = {
    "admin accounts list", "admin accounts offline-credit",
    "admin agent-code", "admin credit add", "admin device add", "admin device delete",
    "admin device list", "admin device set", "admin queue add", "admin queue list",
    "admin release-group add", "admin release-group add-device", "admin release-group list",
    "admin release-group remove-device", "admin remotes add", "admin remotes code",
    "admin remotes list", "admin snmp-probe", "admin terminal-code",
    "admin token", "admin user add", "admin user import", "admin user list", "admin user set",
    "agent",
    "agent install-cups-backend", "analyse", "config show", "db upgrade", "demo", "popup",
    "print", "remote", "rules add", "rules delete", "rules list", "rules move", "rules test",
    "server", "terminal", "version", "virtual-printer",
}


def _commands(group: Any, prefix: str = "") -> set[str]:
    """Command paths of a click (or typer's own click) group."""
    found: set[str] = set()
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            children = _commands(command, f"{path} ")
            found |= children
            if command.invoke_without_command:
                found.add(path)
        else:
            found.add(path)
    return found


def test_the_cli_offers_exactly_the_pinned_commands_and_each_explains_itself() -> None:
    from printwarden.cli import app

    root = typer.main.get_command(app)
    assert _commands(root) == COMMANDS
    for command in sorted(COMMANDS):
        shown = CliRunner().invoke(app, [*command.split(), "--help"])
        assert shown.exit_code == 0, (command, shown.output)
        assert f"Usage: printwarden {command}" in shown.output, command
    remote = CliRunner().invoke(app, ["remote", "--help"])
    assert "--central" in remote.output and "--enrol" in remote.output
    popup = CliRunner().invoke(app, ["popup", "--help"])
    assert "--login" in popup.output and "--password-stdin" in popup.output
    assert "printwarden[tray]" in popup.output
    terminal = CliRunner().invoke(app, ["terminal", "--help"])
    assert "--enrol" in terminal.output and "--script" in terminal.output


def _helps(group: Any, prefix: str = "") -> dict[str, str]:
    """Each command's and group's help text, by command path."""
    found = {prefix.strip() or "printwarden": group.help or ""}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found |= _helps(command, f"{prefix}{name} ")
        else:
            found[f"{prefix}{name}"] = command.help or ""
    return found


def test_help_texts_fit_an_80_column_terminal() -> None:
    """Typer rewraps a help text's first paragraph but keeps the line breaks of the
    others: a line longer than the panel's inside (76 columns) wraps into a stub of a
    word or two."""
    from printwarden.cli import app

    too_long = {
        (path, line)
        for path, text in _helps(typer.main.get_command(app)).items()
        for paragraph in inspect.cleandoc(text).partition("\f")[0].split("\n\n")[1:]
        for line in paragraph.splitlines() if len(line) > 76
    }
    assert not too_long


def test_a_remote_not_enrolled_says_how_to_enrol(tmp_path: Path) -> None:
    result = run_cli("remote", "--data-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "--enrol CODE" in result.stderr and "Traceback" not in result.stderr


def test_a_popup_not_signed_in_says_how_to_sign_in(tmp_path: Path) -> None:
    result = run_cli("popup", "--server", "http://127.0.0.1:9", "--config-dir",
                     str(tmp_path / "p"))
    assert result.returncode == 2 and "--login" in result.stderr
    bad = run_cli("popup", "--server", "ftp://x")
    assert bad.returncode == 2 and "http" in bad.stderr
    unreachable = run_cli("popup", "--server", "http://127.0.0.1:9", "--config-dir",
                          str(tmp_path / "p"), "--login", "alice", "--password-stdin",
                          input_text="secret\n")
    assert unreachable.returncode == 2 and "cannot reach" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr


def test_an_unenrolled_terminal_says_how_to_enrol(tmp_path: Path) -> None:
    result = run_cli("terminal", "--server", "http://127.0.0.1:9", "--data-dir",
                     str(tmp_path / "t"), "--script", "-")
    assert result.returncode == 2 and "--enrol CODE" in result.stderr
    bad = run_cli("terminal", "--server", "ftp://x", "--script", "-")
    assert bad.returncode == 2 and "http" in bad.stderr
    refused = run_cli("terminal", "--server", "http://127.0.0.1:9", "--data-dir",
                      str(tmp_path / "t"), "--enrol", "ABCD-EFGH", "--script", "-")
    assert refused.returncode == 2 and "enrolment failed" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_config_show_masks_secrets_and_honours_the_environment(tmp_path: Path) -> None:
    (tmp_path / "printwarden.toml").write_text('port = 9000\ncurrency = "CHF"\n')
    result = run_cli("config", "show", "--data-dir", str(tmp_path),
                     env={"PRINTWARDEN_PORT": "9100",
                          "PRINTWARDEN_DATABASE_URL": "postgresql+psycopg://pw:s3cret@db/pw"})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["port"] == 9100  # environment beats the file
    assert shown["currency"] == "CHF"  # file beats the default
    assert shown["secret_key"] == "********"
    assert "s3cret" not in result.stdout
    secrets = json.loads((tmp_path / "secrets.json").read_text())
    assert secrets["secret_key"] not in result.stdout
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_an_unwritable_or_bogus_data_dir_stops_with_one_clear_line(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = run_cli("db", "upgrade", "--data-dir", str(not_a_dir))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("printwarden: error:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_corrupt_database_stops_with_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "printwarden.db").write_bytes(b"this is not a database" * 100)
    result = run_cli("db", "upgrade", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "database unusable" in result.stderr


def test_a_corrupt_settings_file_stops_with_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "printwarden.toml").write_text("port = = 3\n")
    result = run_cli("config", "show", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "printwarden.toml" in result.stderr and "Traceback" not in result.stderr


def test_admin_commands_create_users_credit_them_and_make_agent_codes(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path)]
    assert run_cli("db", "upgrade", *d).returncode == 0
    created = run_cli("admin", "user", "add", "dora", "--full-name", "Dora Diaz",
                      "--password", "dora-pass-1", "--pin", "4321", "--card", "0xCAFE", *d)
    assert created.returncode == 0, created.stderr
    again = run_cli("admin", "user", "add", "DORA", *d)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    credited = run_cli("admin", "credit", "add", "dora", "12.50", "--key", "k1", *d)
    assert credited.returncode == 0, credited.stderr
    assert "12.50 EUR" in credited.stdout
    repeated = run_cli("admin", "credit", "add", "dora", "12.50", "--key", "k1", *d)
    assert "12.50 EUR" in repeated.stdout  # same idempotency key: no second top-up
    listed = run_cli("admin", "user", "list", *d)
    assert "dora" in listed.stdout and "Dora Diaz" in listed.stdout
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("username,full_name,email,department,groups,card,pin,roles\n"
                        "erin,Erin E,erin@example.org,Maths,students,,,user\n"
                        "bad name!,X,,,,,,\n")
    imported = run_cli("admin", "user", "import", str(csv_file), *d)
    assert imported.returncode == 1  # one bad line is reported...
    assert "line 3" in imported.stderr
    assert "erin" in run_cli("admin", "user", "list", *d).stdout  # ...the good one imported
    code = run_cli("admin", "agent-code", *d)
    assert code.returncode == 0, code.stderr
    assert len(code.stdout.strip()) >= 8


def test_admin_terminal_code_makes_a_code_for_a_named_device(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path)]
    assert run_cli("db", "upgrade", *d).returncode == 0
    assert run_cli("admin", "device", "add", "mfp-1", *d).returncode == 0
    made = run_cli("admin", "terminal-code", "mfp-1", "--ttl-hours", "2", *d)
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.strip()) == 9 and "--enrol" in made.stderr
    unknown = run_cli("admin", "terminal-code", "nowhere", *d)
    assert unknown.returncode != 0 and "no device named 'nowhere'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_admin_queue_add_makes_a_tracker_queue_that_only_logs(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path)]
    assert run_cli("db", "upgrade", *d).returncode == 0
    assert run_cli("admin", "device", "add", "mfp-1", *d).returncode == 0
    made = run_cli("admin", "queue", "add", "lab", "--device", "mfp-1", "--failure-policy",
                   "tracker", "--offline-charging", "log", *d)
    assert made.returncode == 0, made.stderr
    bad = run_cli("admin", "queue", "add", "lab2", "--device", "mfp-1",
                  "--offline-charging", "free", *d)
    assert bad.returncode != 0 and "unknown offline charging 'free'" in bad.stderr
    assert "Traceback" not in bad.stderr
    container = build_server(load_server_settings(tmp_path))
    queue = container.devices.find_queue_by_name("lab")
    assert queue is not None
    assert (queue.failure_policy, queue.offline_charging) == ("tracker", "log")
    container.db.dispose()


def test_analyse_prints_one_json_object_per_file(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    pdf = tmp_path / "three.pdf"
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595.28, height=841.89)
    with pdf.open("wb") as handle:
        writer.write(handle)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not a document")
    result = run_cli("analyse", str(pdf), str(junk), "--json")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["format"] == "pdf" and first["pages"] == 3
    assert first["color_pages"] == 0 and first["mono_pages"] == 3
    assert first["sizes"] == {"iso_a4_210x297mm": 3}
    assert first["method"]
    assert second["pages"] is None and second["reason"]


def test_a_user_import_prints_every_refused_line_then_one_summary_that_counts_them(
        tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.support.processes import PRINTWARDEN

    d = ["--data-dir", str(tmp_path)]
    assert run_cli("db", "upgrade", *d).returncode == 0
    rows = ["username,pin"]
    rows += [f"ok{i},," if i % 2 else f"bad name {i},," for i in range(400)]
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("\n".join(rows) + "\n")
    merged = subprocess.run([*PRINTWARDEN, "admin", "user", "import", str(csv_file), *d],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ), timeout=300, check=False)
    assert merged.returncode == 1
    lines = merged.stdout.strip().splitlines()
    assert lines[-1] == "created 200, updated 0, skipped 0, failed 200"
    assert len(lines) == 201 and all(line.startswith("line ") for line in lines[:-1])
    assert [int(line.split()[1].rstrip(":")) for line in lines[:-1]] == list(range(2, 402, 2))


def test_admin_commands_build_devices_release_groups_and_queues(tmp_path: Path) -> None:
    from printwarden.cli import app

    d = ["--data-dir", str(tmp_path)]

    def cli(*args: str) -> Any:
        return CliRunner().invoke(app, [*args, *d])

    assert cli("db", "upgrade").exit_code == 0
    added = cli("admin", "device", "add", "hall", "--uri", "ipp://mfp.lan/ipp/print",
                "--location", "Hall", "--mono", "--media", "iso_a4_210x297mm",
                "--snmp", "--snmp-community", "s3cret")
    assert added.exit_code == 0, added.output
    assert cli("admin", "device", "add", "lab", "--uri", "socket://10.0.0.9").exit_code == 0
    bad = cli("admin", "device", "add", "annex", "--uri", "gopher://x")
    assert bad.exit_code == 2 and "invalid device URI" in bad.output
    assert "Traceback" not in bad.output
    assert cli("admin", "device", "set", "lab", "--agent", "nobody").exit_code == 2
    assert cli("admin", "release-group", "add", "floor", "--device", "hall").exit_code == 0
    assert cli("admin", "release-group", "add-device", "floor", "lab").exit_code == 0
    direct = cli("admin", "queue", "add", "hall", "--device", "hall")
    assert direct.exit_code == 0 and "/ipp/print/hall" in direct.output
    held = cli("admin", "queue", "add", "secure", "--release-group", "floor",
               "--owner-check", "release")
    assert held.exit_code == 0, held.output
    no_target = cli("admin", "queue", "add", "nowhere")
    assert no_target.exit_code == 2 and "give its device_id" in no_target.output
    devices = cli("admin", "device", "list").output
    assert "mono, duplex" in devices and "colour, duplex" in devices
    assert "2 device(s)" in devices
    assert "s3cret" not in devices
    assert "floor: hall, lab" in cli("admin", "release-group", "list").output
    queues = cli("admin", "queue", "list").output
    assert "secure" in queues and "group floor" in queues and "2 queue(s)" in queues
    busy = cli("admin", "device", "delete", "hall")
    assert busy.exit_code == 2 and "the device of queue(s) hall" in busy.output
    assert cli("admin", "release-group", "remove-device", "floor", "lab").exit_code == 0
    assert cli("admin", "device", "delete", "lab").output.strip() == "deleted device lab"


def test_pins_and_id_numbers_from_the_shell(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path)]
    added = run_cli("admin", "user", "add", "gus", "--pin", "1111", "--generate-id-number", *d)
    assert added.returncode == 0, added.stderr
    number = added.stdout.split("ID number of gus: ")[1].split()[0]
    assert len(number) == 8 and number.isdigit() and "shown only now" in added.stderr
    both = run_cli("admin", "user", "set", "gus", "--id-number", "12345678",
                   "--clear-id-number", *d)
    assert both.returncode == 2 and "one of" in both.stderr
    short = run_cli("admin", "user", "set", "gus", "--id-number", "1234", *d)
    assert short.returncode == 2 and "8 to 18 digits" in short.stderr
    assert run_cli("admin", "user", "add", "hal", "--pin", "1111", *d).returncode == 0  # shared
    cleared = run_cli("admin", "user", "set", "gus", "--clear-pin", "--clear-id-number", *d)
    assert cleared.returncode == 0, cleared.stderr
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("username,pin\n" + "".join(f"u{i},{i % 3:04d}\n" for i in range(1200)))
    needs_file = run_cli("admin", "user", "import", str(csv_file), "--generate-id-numbers", *d)
    assert needs_file.returncode == 2 and "--id-numbers-out" in needs_file.stderr
    out = tmp_path / "numbers.csv"
    imported = run_cli("admin", "user", "import", str(csv_file), "--generate-id-numbers",
                       "--id-numbers-out", str(out), "--progress", *d)
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr.splitlines() == [f"imported {n}/1200 lines" for n in (500, 1000,
                                                                                  1200)]
    assert imported.stdout.strip() == ("created 1200, updated 0, skipped 0, failed 0, 1200 ID "
                                       f"number(s) written to {out}")
    assert out.stat().st_mode & 0o777 == 0o600
    rows = out.read_text().splitlines()
    assert rows[0] == "username,id_number" and len(rows) == 1201 and rows[1].startswith("u0,")
    again = run_cli("admin", "user", "import", str(csv_file), "--generate-id-numbers",
                    "--id-numbers-out", str(out), *d)
    assert again.returncode == 2 and "exists" in again.stderr  # never overwrites the numbers


def test_numbers_on_the_command_line_are_ascii_digits_only(tmp_path: Path) -> None:
    """click's INT reads every script's digits; printwarden's options do not."""
    import re

    from printwarden.cli import app

    def said(output: str) -> str:  # the error box's text, unwrapped
        return " ".join(re.sub("[\u2500-\u257f]", " ", output).split())

    d = ["--data-dir", str(tmp_path)]
    runner = CliRunner()
    for hostile in ("\u0665", "\uff15", "\U0001d7d3", "1e3", "0x10", " ", "1_000"):
        answer = runner.invoke(app, ["admin", "agent-code", "--ttl-hours", hostile, *d])
        assert answer.exit_code == 2, (hostile, answer.output)
        assert "ASCII digits" in said(answer.output)
        copies = runner.invoke(app, ["print", str(tmp_path / "x.pdf"), "--queue",
                                     "ipp://127.0.0.1:9/ipp/print/x", "--copies", hostile])
        assert copies.exit_code == 2 and "ASCII digits" in said(copies.output)
    assert runner.invoke(app, ["admin", "agent-code", "--ttl-hours", "0", *d]).exit_code == 2
    assert runner.invoke(app, ["agent", "--port", "70000", *d]).exit_code == 2
    assert runner.invoke(app, ["admin", "agent-code", "--ttl-hours", "2", *d]).exit_code == 0
