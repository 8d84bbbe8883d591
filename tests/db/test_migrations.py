from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from printwarden.db.engine import Database
from printwarden.db.migrate import check, current_revision, head_revision, upgrade


def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    check(db)  # raises when a model change has no migration
    assert current_revision(db) == head_revision(db)


def test_upgrade_is_idempotent_and_migrates_an_older_schema(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(database, "0001_core")
    assert current_revision(database) == "0001_core"
    upgrade(database)
    upgrade(database)
    assert current_revision(database) == head_revision(database)
    names = set(sa.inspect(database.engine).get_table_names())
    assert {"audit_log", "leases"} <= names
    database.dispose()
