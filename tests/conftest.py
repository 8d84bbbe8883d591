"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL cluster;
real ippeveprinters for the tests that need a downstream printer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printwarden.db.engine import Database
from tests.support.databases import PostgresFactory, SqliteFactory
from tests.support.peers import EvePrinter, start_dns_sd
from tests.support.postgres import PostgresCluster, free_port


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``scale`` tests (the 10,000-held-jobs run, 10+ minutes) are left out of the default
    run, which CI is: they run when the marker expression names them (``-m scale``)."""
    if "scale" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="the scale run: select it with -m scale "
                            "(docs/reliability.md)")
    for item in items:
        if item.get_closest_marker("scale") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_factory() -> Iterator[SqliteFactory]:
    factory = SqliteFactory()
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def postgres_factory(postgres_cluster: PostgresCluster) -> Iterator[PostgresFactory]:
    factory = PostgresFactory(postgres_cluster)
    yield factory
    factory.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A freshly migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        factory: SqliteFactory = request.getfixturevalue("sqlite_factory")
        database = factory.new()
        yield database
        database.dispose()
    else:
        pg: PostgresFactory = request.getfixturevalue("postgres_factory")
        database = pg.new()
        yield database
        pg.drop(database)


# --- the server wired on the test database --------------------------------------------------


from fastapi.testclient import TestClient  # noqa: E402

from printwarden.container import ServerContainer  # noqa: E402
from printwarden.core.settings import load_server_settings  # noqa: E402


@pytest.fixture
def server(db: Database, tmp_path: Path) -> ServerContainer:
    """The real server container (all services) on the test database and a temp data dir."""
    from printwarden.server.bootstrap import build_server

    settings = load_server_settings(tmp_path / "data", database_url=db.url)
    return build_server(settings, db=db, migrate=False)


@pytest.fixture
def client(server: ServerContainer) -> Iterator[TestClient]:
    """An anonymous HTTP client of the real app (in-process ASGI)."""
    from printwarden.web.app import create_app

    with TestClient(create_app(server)) as test_client:
        yield test_client


@pytest.fixture
def admin_token(server: ServerContainer) -> str:
    admin = server.accounts.create_user("root", full_name="Admin", roles=("admin",),
                                        password="admin-pass-1", actor="test")
    token, _ = server.accounts.create_api_token(admin.id, "tests", actor="test")
    return token


@pytest.fixture
def admin_client(client: TestClient, admin_token: str) -> TestClient:
    """The same client, authenticated as an admin with a bearer token."""
    client.headers["Authorization"] = f"Bearer {admin_token}"
    return client


@pytest.fixture(scope="session")
def dns_sd() -> None:
    """ippeveprinter registers with DNS-SD: the system bus and avahi must run (as root)."""
    try:
        start_dns_sd()
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture
def eve_factory(dns_sd: None, tmp_path: Path) -> Iterator[Callable[[], EvePrinter]]:
    """Makes (not yet started) ippeveprinters on free ports; all are stopped at the end."""
    made: list[EvePrinter] = []

    def make() -> EvePrinter:
        port = free_port()
        spool = tmp_path / f"eve-{port}"
        spool.mkdir()
        printer = EvePrinter(f"ipp://127.0.0.1:{port}/ipp/print", port, spool,
                             tmp_path / f"eve-{port}.log")
        made.append(printer)
        return printer

    try:
        yield make
    finally:
        for printer in made:
            printer.stop()
