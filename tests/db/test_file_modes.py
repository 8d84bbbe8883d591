"""Data files are private: created 0600 in 0700 directories, and tightened at start when
an older install left them open to others (server and agent)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import sqlalchemy as sa

from printwarden.core.settings import load_server_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_server_data_directory_is_private(tmp_path: Path) -> None:
    from printwarden.server.bootstrap import build_server

    old_umask = os.umask(0o022)  # what a shell usually has: files would be 0644
    try:
        data = tmp_path / "data"
        server = build_server(load_server_settings(data))
        server.accounts.create_user("ann", password="ann-pass-12", actor="t")
        with server.db.engine.connect() as conn:  # the WAL and SHM files exist while open
            conn.execute(sa.text("SELECT 1"))
            made = {p.name: mode(p) for p in data.iterdir()}
        server.db.dispose()
    finally:
        os.umask(old_umask)
    assert mode(data) == 0o700
    assert {"printwarden.db", "printwarden.db-wal", "printwarden.db-shm",
            "secrets.json"} <= set(made)
    assert all(m == 0o600 for m in made.values()), made


def test_loose_server_files_are_tightened_at_start(tmp_path: Path) -> None:
    from printwarden.server.bootstrap import build_server, secure_data_dir

    data = tmp_path / "data"
    build_server(load_server_settings(data)).db.dispose()
    (data / "printwarden.toml").write_text("currency = 'EUR'\n")
    for name, loose in (("printwarden.db", 0o644), ("secrets.json", 0o644),
                        ("printwarden.toml", 0o666)):
        os.chmod(data / name, loose)
    os.chmod(data, 0o755)
    settings = load_server_settings(data)
    found = secure_data_dir(settings)
    assert {f.path.name for f in found} == {"data", "printwarden.db", "secrets.json",
                                            "printwarden.toml"}
    assert all(f.fixed for f in found)
    assert "was mode 0644; tightened to 0600" in next(
        f.describe() for f in found if f.path.name == "secrets.json")
    assert mode(data) == 0o700
    assert {mode(data / n) for n in ("printwarden.db", "secrets.json", "printwarden.toml")
            } == {0o600}
    build_server(settings).db.dispose()  # and the server starts on them


def test_the_agent_keeps_its_journal_token_and_spool_private(tmp_path: Path) -> None:
    from printwarden.agent.bootstrap import build_agent
    from printwarden.agent.settings import load_agent_settings, write_token

    old_umask = os.umask(0o022)
    try:
        settings = load_agent_settings(tmp_path / "agent", name="a1")
        write_token(settings, "pwa_" + "x" * 32)
        os.chmod(settings.token_path, 0o644)  # as an older version or a hand copy left it
        agent = build_agent(settings)
        journal = settings.journal_path
        companions = [p for p in journal.parent.iterdir() if p.name.startswith(journal.name)]
        modes = {p.name: mode(p) for p in companions}
        del agent
    finally:
        os.umask(old_umask)
    assert mode(settings.data_dir) == 0o700 and mode(settings.spool_dir) == 0o700
    assert mode(settings.token_path) == 0o600
    assert journal.name in modes and all(m == 0o600 for m in modes.values()), modes
