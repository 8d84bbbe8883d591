"""A remote refuses the changes that are central's (``web/central_only.py``): an API token
made or revoked there, a user, a PIN, a device. Each answers 503 ``central_only`` and
changes nothing at the remote; the site's own work (here a top-up, which its outbox takes
to central) is still served, and central itself makes the same changes as ever. The
admin CLI and `printwarden server` refuse a remote's data directory."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.web.app import create_app
from printwarden.web.central_only import CENTRAL_ONLY, SITE_SERVED
from tests.support.processes import run_cli
from tests.sync.support import Pair, pair  # noqa: F401
from tests.web.device_pages_world import csrf_of
from tests.web.test_route_pin import ROUTES

CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_changing_route_is_either_central_only_or_served_at_a_site() -> None:
    changing = {row for row in ROUTES if row.split()[0] in CHANGING}
    assert set(CENTRAL_ONLY) & SITE_SERVED == set()
    assert sorted(changing - set(CENTRAL_ONLY) - SITE_SERVED) == [], "classify new routes"
    assert sorted((set(CENTRAL_ONLY) | SITE_SERVED) - changing) == [], "routes gone"


def test_a_remote_refuses_central_s_changes_and_serves_its_site_s(
        pair: Pair) -> None:  # noqa: F811
    central = pair.central
    root = central.accounts.create_user("root", roles=("admin",), password="root-pass-12",
                                        actor="t")
    admin_token, _ = central.accounts.create_api_token(root.id, "admin", actor="t")
    dana = central.accounts.create_user("dana", actor="t")
    dana_token, dana_row = central.accounts.create_api_token(dana.id, "desk", actor="t")
    credit = central.ledger.credit_account(dana.id)
    role = pair.remote()
    role.puller.catch_up()
    tokens_before = len(role.container.accounts.list_api_tokens(dana.id))

    with TestClient(create_app(role.container, role="remote",
                               replica=role.puller.status)) as remote:
        refused = {
            "token made": remote.post("/api/v1/tokens", json={"name": "laptop"},
                                      headers=bearer(dana_token)),
            "token revoked": remote.delete(f"/api/v1/tokens/{dana_row.id}",
                                           headers=bearer(dana_token)),
            "own PIN": remote.put("/api/v1/me/pin", json={"pin": "4821"},
                                  headers=bearer(dana_token)),
            "user made": remote.post("/api/v1/users", json={"username": "intruder"},
                                     headers=bearer(admin_token)),
            "device page": remote.post("/admin/devices/new", data={"name": "mfp"}),
        }
        for what, answer in refused.items():
            assert answer.status_code == 503, (what, answer.text)
            assert answer.json()["error"] == "central_only", what
            assert "central" in answer.json()["message"], what
            assert answer.headers["Retry-After"], what
        # nothing changed at the remote: no token made, none revoked, no user, no PIN
        assert len(role.container.accounts.list_api_tokens(dana.id)) == tokens_before
        assert remote.get("/api/v1/me", headers=bearer(dana_token)).status_code == 200
        assert role.container.accounts.find_user_by_username("intruder") is None
        assert role.container.accounts.get_user(dana.id).has_pin is False

        # an admin signed in at the remote reads why its forms are refused
        signed = remote.post("/login", data={"username": "root", "password": "root-pass-12",
                                             "csrf": csrf_of(remote.get("/login").text)})
        assert signed.status_code == 200, signed.text
        devices = remote.get("/admin/devices")
        assert devices.status_code == 200
        assert 'data-testid="central-only-notice"' in devices.text
        assert "changed at central" in devices.text

        # the site's own work is served: a top-up at the remote, taken to central once
        top_up = remote.post(f"/api/v1/accounts/{credit.id}/top-up",
                             json={"amount": "3.00", "idempotency_key": "desk-1"},
                             headers=bearer(admin_token))
        assert top_up.status_code == 201, top_up.text
    pusher = role.puller.pusher
    assert pusher is not None
    assert pusher.push_all() == 1  # acked through the remote's first entry
    assert pusher.pending() == 0
    assert central.ledger.get_account(credit.id).balance_minor == 300
    with TestClient(create_app(central)) as at_central:  # central's pages have no notice
        signed = at_central.post("/login", data={
            "username": "root", "password": "root-pass-12",
            "csrf": csrf_of(at_central.get("/login").text)})
        assert signed.status_code == 200, signed.text
        page = at_central.get("/admin/devices")
        assert page.status_code == 200 and 'data-testid="admin-nav"' in page.text
        assert "central-only-notice" not in page.text

    # central makes a token as ever, and the remote serves it once it has pulled it
    made = pair.http.post("/api/v1/tokens", json={"name": "laptop"},
                          headers=bearer(dana_token))
    assert made.status_code == 201, made.text
    role.puller.catch_up()
    with TestClient(create_app(role.container, role="remote",
                               replica=role.puller.status)) as remote:
        me = remote.get("/api/v1/me", headers=bearer(made.json()["token"]))
        assert me.status_code == 200 and me.json()["username"] == "dana"


def test_the_admin_cli_and_the_server_refuse_a_remote_s_data_directory(
        pair: Pair) -> None:  # noqa: F811
    """``printwarden admin`` on a remote's data directory would post a top-up as central's,
    outside the remote's outbox (never reaching central), and change replicated rows;
    ``printwarden server`` there would run a second central on the replica."""
    role = pair.remote()
    data_dir = role.container.settings.data_dir
    assert (data_dir / "remote.json").exists()
    for args in (("admin", "credit", "add", "dana", "5.00"), ("admin", "user", "add", "eve"),
                 ("admin", "accounts", "list"), ("rules", "list"), ("server",)):
        result = run_cli(*args, "--data-dir", str(data_dir))
        assert result.returncode == 2, (args, result.stderr)
        assert "remote site server's data directory" in result.stderr, args
        assert "Traceback" not in result.stderr, args
    assert not (data_dir / "printwarden.db").exists()  # nothing opened, nothing written
    # a central's data directory is served as ever
    central_dir = pair.tmp / "central-cli"
    made = run_cli("admin", "user", "add", "eve", "--data-dir", str(central_dir))
    assert made.returncode == 0, made.stderr
