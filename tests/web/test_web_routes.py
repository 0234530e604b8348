"""Every route of the console refuses what it must: no session (to the login page), the wrong role (403),
a form without the session's CSRF token (403). The table below names each route's roles: a route added
without a line here fails the first test."""
from __future__ import annotations

import pytest
from starlette.routing import Route
from web_harness import console_client, csrf_of, log_in

ANY, BUREAU, SPECIALIST, OPEN = "any", "bureau", "specialist", "open"
ROLES = {
    ("GET", "/"): ANY, ("GET", "/account"): ANY, ("GET", "/login"): OPEN, ("POST", "/login"): OPEN,
    ("POST", "/logout"): ANY,
    ("GET", "/dashboard"): BUREAU, ("GET", "/dashboard/report.xlsx"): BUREAU, ("GET", "/dashboard/{table}.csv"): BUREAU,
    ("GET", "/knowledge"): ANY, ("GET", "/knowledge/{entry_id}"): ANY,
    ("GET", "/try"): ANY, ("POST", "/try"): ANY, ("GET", "/gaps"): ANY,
    ("GET", "/tickets"): SPECIALIST, ("GET", "/tickets/{ticket_id}"): SPECIALIST,
    ("POST", "/tickets/{ticket_id}/{action:str}"): SPECIALIST,
    ("GET", "/broadcasts"): SPECIALIST, ("GET", "/broadcasts/new"): SPECIALIST,
    ("GET", "/broadcasts/count"): SPECIALIST, ("POST", "/broadcasts/new"): SPECIALIST,
    ("POST", "/broadcasts/confirm"): SPECIALIST, ("GET", "/broadcasts/{broadcast_id}"): SPECIALIST,
    ("POST", "/broadcasts/{broadcast_id}/cancel"): SPECIALIST,
    ("GET", "/versions"): ANY, ("GET", "/versions/knowledge.xlsx"): ANY, ("GET", "/versions/{number:int}.xlsx"): ANY,
    ("GET", "/versions/preview/{token}.xlsx"): ANY, ("POST", "/versions/upload"): ANY,
    ("POST", "/versions/{number:int}/restore"): ANY, ("POST", "/versions/drafts/{name}/merge"): ANY,
    ("POST", "/versions/publish"): ANY,
}
SAMPLE = {"{table}": "questions", "{entry_id}": "tm_fee", "{ticket_id}": "1", "{action:str}": "claim",
          "{broadcast_id}": "1", "{number:int}": "1", "{token}": "t", "{name}": "ticket_1"}


def concrete(path: str) -> str:
    for pattern, value in SAMPLE.items():
        path = path.replace(pattern, value)
    return path


def test_every_route_is_in_the_table(web_settings, clock, fixture_kb) -> None:
    app = console_client(web_settings, clock, fixture_kb).app
    served = {(method, r.path) for r in app.routes if isinstance(r, Route) for method in r.methods - {"HEAD"}}
    assert served == set(ROLES)


def test_without_a_session_every_page_sends_to_the_login(client) -> None:
    for method, path in (key for key, role in ROLES.items() if role != OPEN):
        if method == "GET":
            assert client.get(concrete(path)).headers["location"] == "/login?why=login", path
        else:  # a form from nowhere: no session, so no CSRF token either
            assert client.post(concrete(path), data={"csrf": "guess"}).status_code == 403, path


@pytest.mark.parametrize("role", [BUREAU, SPECIALIST])
def test_the_other_role_is_refused(client, role: str) -> None:
    log_in(client, "li" if role == BUREAU else "ju")
    csrf = csrf_of(client, "/account")
    for method, path in (key for key, wanted in ROLES.items() if wanted == role):
        response = client.get(concrete(path)) if method == "GET" else client.post(concrete(path), data={"csrf": csrf})
        assert response.status_code == 403 and "您的角色不能打开此页面" in response.text, path


@pytest.mark.parametrize(("name", "roles"), [("ju", (BUREAU, ANY)), ("li", (SPECIALIST, ANY))])
def test_every_form_needs_the_sessions_csrf_token(client, name: str, roles: tuple[str, ...]) -> None:
    log_in(client, name)
    for path in (p for (m, p), r in ROLES.items() if m == "POST" and r in roles):
        response = client.post(concrete(path), data={"csrf": "forged", "question": "商标", "text": "x"})
        assert response.status_code == 403 and "CSRF" in response.text, path


def test_bureau_pages_open(client) -> None:
    log_in(client, "ju")
    for path in ("/dashboard", "/knowledge", "/knowledge/tm_fee", "/try", "/gaps", "/account", "/versions"):
        response = client.get(path)
        assert response.status_code == 200 and '<meta name="viewport"' in response.text, path


def test_specialist_pages_open(client) -> None:
    log_in(client, "li")
    for path in ("/tickets", "/broadcasts", "/broadcasts/new", "/knowledge", "/try", "/gaps", "/versions"):
        assert client.get(path).status_code == 200, path


def test_an_oversized_or_foreign_form_is_refused(client) -> None:
    log_in(client, "ju")
    assert client.post("/try", content=b"x" * 70_000,
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 400
    assert client.post("/try", content=b'{"question": 1}', headers={"content-type": "application/json"}).status_code == 400


ODD = ["from=0001-01-01&to=9999-12-31", "day=9999-12-31", "day=0001-01-01", "from=%00&to=%ff", "topic=<script>&q=%E5"]


def test_odd_parameters_get_a_page_never_an_error(client) -> None:
    log_in(client, "ju")
    for query in ODD:
        for path in ("/dashboard", "/gaps", "/knowledge", "/knowledge/tm_fee"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200 and "<script>" not in response.text, (path, query)
        response = client.post("/try", data={"question": "商标多久", "day": query.split("=")[-1],
                                             "csrf": csrf_of(client, "/try")})
        assert response.status_code == 200, query
