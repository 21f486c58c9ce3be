"""Sign-in, reset and session limits found missing by the outside test run (issue H, items 2,
3, 4, 5 and 22)."""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_user
from tests.helpers import login_verified, run_tasks

PASSWORD = "the-right-password-1"


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password, address="203.0.113.10"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_h2_one_address_trying_many_accounts_is_stopped(client, db, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = "6/15m"
    for n in range(3):
        make_user(f"t{n}@school.example", password=PASSWORD)
        for _ in range(2):  # under django-axes' limit for each account
            assert sign_in(client, f"t{n}@school.example", "wrong").status_code == 200
    make_user("fourth@school.example", password=PASSWORD)
    refused = sign_in(client, "fourth@school.example", PASSWORD)
    assert refused.status_code == 429
    assert b"from your network" in refused.content
    assert "_auth_user_id" not in client.session
    # Another building is not affected.
    assert sign_in(client, "fourth@school.example", PASSWORD, "198.51.100.20").status_code == 302


def test_h2_one_account_tried_from_many_addresses_is_slowed_then_let_go(
    client, db, settings, monkeypatch
):
    settings.LOGIN_FAILURES_PER_ACCOUNT = "4/5m"
    make_user("teacher@school.example", password=PASSWORD)
    for n in range(4):
        sign_in(client, "Teacher@School.example", "wrong", f"198.51.100.{n}")
    refused = sign_in(client, "teacher@school.example", PASSWORD, "192.0.2.99")
    assert refused.status_code == 429
    assert b"This account has had too many wrong passwords" in refused.content
    # A stranger cannot keep the person out for long: the window is minutes.
    later = time.time() + 6 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert sign_in(client, "teacher@school.example", PASSWORD, "192.0.2.99").status_code == 302


def test_h2_the_limits_are_sized_for_a_school_building_and_a_short_account_window(settings):
    from eupsite.throttling import _minutes

    count, _, window = settings.LOGIN_FAILURES_PER_ADDRESS.partition("/")
    assert int(count) >= 50  # hundreds of staff share a building's address
    assert _minutes(settings.LOGIN_FAILURES_PER_ACCOUNT) <= 15
    assert settings.AXES_FAILURE_LIMIT == 5  # the combined account + address limit stays


def test_h2_successful_sign_ins_from_one_building_are_not_counted(client, db, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = "3/15m"
    for n in range(5):
        make_user(f"t{n}@school.example", password=PASSWORD)
        assert sign_in(client, f"t{n}@school.example", PASSWORD).status_code == 302
        client.logout()


def test_h3_wagtails_own_password_reset_is_turned_off(client, db):
    assert client.get("/admin/password_reset/").status_code == 404


def test_h4_password_reset_is_limited_per_e_mail_address(client, db):
    make_user("teacher@school.example", password=PASSWORD)
    codes = [
        client.post("/accounts/password-reset/", {"email": "teacher@school.example"}).status_code
        for _ in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    run_tasks()
    from django.core import mail

    assert len(mail.outbox) == 3


def test_h4_password_reset_is_limited_per_address(client, db, settings):
    settings.RESET_REQUESTS_PER_ADDRESS = "2/h"
    codes = [
        client.post("/accounts/password-reset/", {"email": f"x{n}@school.example"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    other = client.post(
        "/accounts/password-reset/", {"email": "y@school.example"}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 302


def test_h4_a_known_and_an_unknown_address_cost_the_request_the_same_work(client, db):
    make_user("teacher@school.example", password=PASSWORD)
    runs = {}
    for email in ("teacher@school.example", "nobody@school.example"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/accounts/password-reset/", {"email": email})
        assert response.status_code == 302
        runs[email] = [q["sql"] for q in queries.captured_queries]
    known, unknown = runs.values()
    assert len(known) == len(unknown)
    assert not any("auth_user" in sql for sql in known + unknown)


def test_h5_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(client, db, settings):
    from certificates.views import _client_ip

    seen = []

    def remember(request):
        seen.append(_client_ip(request))

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    from django.test import RequestFactory

    from eupsite.middleware import ForwardedClientIpMiddleware

    middleware = ForwardedClientIpMiddleware(remember)
    factory = RequestFactory()
    # Reached directly: a made-up header changes nothing.
    middleware(factory.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4"))
    # Through the proxy (and a load balancer, both trusted): the rightmost untrusted hop.
    middleware(
        factory.get(
            "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4, 10.0.0.9"
        )
    )
    # A junk hop stops the walk at the last proxy.
    middleware(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense"))
    assert seen == ["203.0.113.5", "198.51.100.4", "10.0.0.2"]


def test_h22_a_session_left_idle_ends_and_the_person_is_told(client, course, monkeypatch):
    user = make_user("teacher@school.example", password=PASSWORD)
    login_verified(client, user)
    assert client.get("/").status_code == 200
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 29 * 60)
    assert client.get("/").status_code == 200  # activity keeps it open
    monkeypatch.setattr(time, "time", lambda: start + 29 * 60 + 31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert b"signed out after 30 minutes without activity" in page.content
