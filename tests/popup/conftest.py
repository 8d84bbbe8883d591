from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.server.bootstrap import build_server
from tests.agent.support import LiveServer
from tests.jobs.world import make_world
from tests.popup.world import PopupWorld


@pytest.fixture(scope="package",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def popup(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[PopupWorld]:
    """One live server per database for the whole package (each test uses fresh users)."""
    factory = request.getfixturevalue(
        "sqlite_factory" if request.param == "sqlite" else "postgres_factory")
    db: Database = factory.new()
    data: Path = tmp_path_factory.mktemp("popup-server")
    server = build_server(load_server_settings(data / "data", database_url=db.url), db=db,
                          migrate=False)
    live = LiveServer(server)
    live.start()
    world = make_world(server)
    # jobs asked about are held (a release queue): questions about jobs that ended are
    # not asked any more
    group = server.devices.create_release_group("popup-group", actor="test",
                                                device_ids=[world.queue.device_id or ""])
    server.devices.update_queue(world.queue.id, {"kind": "release",
                                                 "release_group_id": group.id}, actor="test")
    try:
        yield PopupWorld(world, live)
    finally:
        live.stop()
        if request.param == "sqlite":
            db.dispose()
        else:
            factory.drop(db)
