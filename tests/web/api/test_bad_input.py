"""Bad input answers a clear 4xx, never a 500: huge offsets, dates past year 9999 in UTC,
oversized CSV fields, oversized bodies (declared or streamed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer

HUGE = "99999999999999999999"
LIST_ROUTES = ["/api/v1/users", "/api/v1/groups", "/api/v1/tokens", "/api/v1/accounts",
               "/api/v1/ledger/entries", "/api/v1/jobs", "/api/v1/agents",
               "/api/v1/agents/enrolment-codes", "/api/v1/printers", "/api/v1/printer-groups",
               "/api/v1/queues", "/api/v1/devices", "/api/v1/release-groups"]


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_a_huge_offset_is_a_422_on_every_list(admin_client: TestClient, path: str) -> None:
    answer = admin_client.get(path, params={"offset": HUGE})
    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"][0]["field"] == "query.offset"
    assert admin_client.get(path, params={"offset": "1000000000"}).status_code == 200


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59.999999-14:00",
                                  "0001-01-01T00:00:00+14:00"])
def test_a_date_outside_the_utc_range_is_a_422(admin_client: TestClient, when: str) -> None:
    for path in ("/api/v1/jobs", "/api/v1/ledger/entries"):
        for name in ("since", "until"):
            answer = admin_client.get(path, params={name: when})
            assert answer.status_code == 422, (path, name, answer.text)
            assert "out of range" in answer.json()["message"]
    fine = admin_client.get("/api/v1/jobs", params={"until": "9999-12-30T00:00:00+14:00"})
    assert fine.status_code == 200


def test_a_csv_field_over_128_kib_is_a_422_and_imports_nothing(
        admin_client: TestClient, server: ServerContainer) -> None:
    text = "username,full_name\nann,Ann\nbob," + "x" * (129 * 1024) + "\n"
    answer = admin_client.post("/api/v1/users/import", content=text,
                               headers={"Content-Type": "text/csv"})
    assert answer.status_code == 422
    assert "malformed at line 3" in answer.json()["message"]
    assert server.accounts.find_user_by_username("ann") is None


def test_a_body_over_the_cap_is_refused_before_it_is_parsed(client: TestClient,
                                                             server: ServerContainer) -> None:
    cap = server.settings.max_request_body_bytes
    big = b'{"code": "' + b"A" * (cap + 1) + b'", "name": "x"}'
    declared = client.post("/api/v1/agent/register", content=big,
                           headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {"error": "too_large",
                               "message": f"the request body is larger than {cap} bytes"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"code": "'
        for _ in range(cap // 65536 + 2):
            yield b"A" * 65536
        yield b'", "name": "x"}'

    streamed = client.post("/api/v1/agent/register", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["error"] == "too_large"
    form = client.post("/login", content=b"username=" + b"a" * (cap + 1),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 413
    small = client.post("/api/v1/agent/register", json={"code": "AAAA-BBBB", "name": "x"})
    assert small.status_code == 401


def test_the_csv_import_has_its_own_larger_cap(admin_client: TestClient,
                                               server: ServerContainer) -> None:
    cap = server.settings.max_request_body_bytes
    rows = "".join(f"user{i},{'N' * 150}\n" for i in range(cap // 150 + 10))
    answer = admin_client.post("/api/v1/users/import", content="username,full_name\n" + rows,
                               headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text[:200]
    assert answer.json()["failed"] == 0
    limit = server.settings.max_import_body_bytes
    too_big = admin_client.post("/api/v1/users/import", content=b"u" * (limit + 1),
                                headers={"Content-Type": "text/csv"})
    assert too_big.status_code == 413


def test_agent_counts_beyond_a_64_bit_integer_are_a_422(client: TestClient) -> None:
    from printwarden.web.api.agent_link_schemas import AuthorizeIn

    with pytest.raises(ValueError, match="less than or equal"):
        AuthorizeIn.model_validate({"agent_job_key": "1", "queue": "q", "username": "u",
                                    "size_bytes": 10**20, "analysis": {}})
