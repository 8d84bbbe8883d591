"""``printwarden rules``: rules from the shell, and a file tested against them (dry run)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from printwarden.core.settings import load_server_settings
from tests.support.processes import run_cli


def colour_pdf(path: Path, pages: int) -> Path:
    red = Image.new("RGB", (60, 85), (220, 20, 20))
    red.save(path, "PDF", save_all=True, append_images=[red] * (pages - 1), resolution=10)
    return path


def test_rules_are_added_listed_and_a_file_is_tested_against_them(tmp_path: Path) -> None:
    from printwarden.server.bootstrap import build_server

    d = ["--data-dir", str(tmp_path)]
    assert run_cli("db", "upgrade", *d).returncode == 0
    server = build_server(load_server_settings(tmp_path))
    from tests.jobs.world import make_world

    world = make_world(server)
    server.db.dispose()
    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps({"name": "big colour", "conditions": {"color": True,
                                                                     "pages_min": 51},
                                "actions": [{"type": "grayscale"}, {"type": "duplex"}]}))
    added = run_cli("rules", "add", str(rule), *d)
    assert added.returncode == 0, added.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "actions": [{"type": "deny"}],
                               "conditions": {"cel": "job.pages >"}}))
    refused = run_cli("rules", "add", str(bad), *d)
    assert refused.returncode == 2 and "conditions.cel: syntax error" in refused.stderr
    assert "Traceback" not in refused.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert "not JSON" in run_cli("rules", "add", str(broken), *d).stderr
    listed = run_cli("rules", "list", *d)
    assert "big colour" in listed.stdout and "grayscale, duplex" in listed.stdout
    tested = run_cli("rules", "test", str(colour_pdf(tmp_path / "report.pdf", 60)),
                     "--queue", world.queue.name, "--user", "alice", "--json", *d)
    assert tested.returncode == 0, tested.stderr
    run = json.loads(tested.stdout)
    assert run["fired"] == ["big colour"] and run["transforms"] == ["grayscale", "duplex"]
    assert run["decision"] == "allow" and run["cost_minor"] == 60 * 5
    assert run["cost_before_rules_minor"] == 60 * 20
    small = run_cli("rules", "test", str(colour_pdf(tmp_path / "small.pdf", 3)),
                    "--queue", world.queue.name, "--user", "alice", *d)
    assert "rules fired, in order: none" in small.stdout and "decision: allow" in small.stdout
    nobody = run_cli("rules", "test", str(tmp_path / "small.pdf"), "--queue",
                     world.queue.name, "--user", "mallory", *d)
    assert nobody.returncode == 2 and "no user named 'mallory'" in nobody.stderr
    server = build_server(load_server_settings(tmp_path))
    assert server.jobs.list_jobs()[1] == 0  # a dry run records no job
