import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache

from tests.conftest import make_user
from tests.helpers import login_verified, run_tasks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_login_is_throttled_after_five_wrong_passwords(client, db):
    make_user("teacher@school.example", password="the-right-password-1")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "teacher@school.example", "password": "no"})
    locked = client.post(
        "/accounts/login/",
        {"username": "teacher@school.example", "password": "the-right-password-1"},
    )
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session


def test_another_account_is_not_locked_by_someone_elses_failures(client, db):
    make_user("a@school.example", password="a-password-123")
    make_user("b@school.example", password="b-password-123")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "a@school.example", "password": "no"})
    ok = client.post(
        "/accounts/login/", {"username": "b@school.example", "password": "b-password-123"}
    )
    assert ok.status_code == 302


def test_every_page_sends_a_content_security_policy_without_inline_script(client, course):
    for url in ("/accounts/login/", "/certificates/verify/"):
        header = client.get(url)["Content-Security-Policy"]
        script = next(d for d in header.split(";") if d.strip().startswith("script-src"))
        assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
        assert "object-src 'none'" in header


def test_the_admin_alone_may_run_inline_script_and_never_gets_a_nonce(client, course):
    from django.contrib.auth.models import Group

    editor = make_user("editor@school.example")
    editor.groups.add(Group.objects.get(name="Editors"))
    login_verified(client, editor)

    def directives(url):
        header = client.get(url)["Content-Security-Policy"]
        return {d.split()[0]: d.split()[1:] for d in header.split("; ")}

    learner_page, admin_page = directives("/"), directives("/admin/")
    assert learner_page["script-src"] == ["'self'"]
    # Browsers ignore 'unsafe-inline' beside a nonce: the admin must have none.
    assert admin_page["script-src"] == ["'self'", "'unsafe-inline'"]
    assert {k: v for k, v in admin_page.items() if k != "script-src"} == {
        k: v for k, v in learner_page.items() if k != "script-src"
    }


def test_no_page_of_ours_has_inline_script(learner_client, sections):
    import re

    for url in ("/", f"{sections[0].url}?slide=1", "/accounts/login/"):
        html = learner_client.get(url, follow=True).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, tag


def test_the_verification_page_is_rate_limited(client, db, settings):
    settings.VERIFY_RATE_LIMIT = "3/m"
    codes = [client.get("/certificates/verify/ABCD-EFGH-JKLM-NPQR/").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_behind_a_proxy_each_client_has_its_own_rate_limit_and_forged_hops_are_ignored(
    client, db, settings
):
    settings.VERIFY_RATE_LIMIT = "2/m"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's own address
    url = "/certificates/verify/ABCD-EFGH-JKLM-NPQR/"

    def verify(forwarded_for):
        return client.get(url, HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # The proxy appends the address it saw; whatever the client put before it is not trusted.
    assert [verify("203.0.113.7"), verify("10.9.9.9, 203.0.113.7")] == [404, 404]
    assert verify("10.1.1.1, 203.0.113.7") == 429
    assert verify("198.51.100.4") == 404  # another client behind the same proxy


def test_an_acknowledgement_records_the_clients_address_not_the_proxys(
    learner_client, passed_everything, settings
):
    from certificates.models import Acknowledgement

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    learner_client.post(
        "/certificates/complete/",
        {"typed_name": "María O'Neil-Núñez", "confirm": "yes"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert Acknowledgement.objects.get().ip_address == "203.0.113.7"


def test_passwords_must_pass_the_validators(client, db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1", "password123", "1234567890"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_production_cookies_and_hsts():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "eupsite.settings.production",
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "training.district.example",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True"] * 5, result.stderr


PUBLIC = [
    "/accounts/login/",
    "/accounts/sign-in-code/",
    "/accounts/password-reset/",
    "/certificates/verify/",
]
PRIVATE = [
    "/",
    "/introduction/",
    "/quiz/section/1/",
    "/quiz/attempt/1/",
    "/certificates/complete/",
    "/certificates/ABCD-EFGH-JKLM-NPQR/",
    "/certificates/ABCD-EFGH-JKLM-NPQR/download/",
    "/admin/",
    "/admin/completion/",
    "/admin/completion/staff/",
    "/admin/roster/import/",
    "/admin/staff/sign-in-codes/",
]


def test_an_anonymous_visitor_reaches_only_the_sign_in_password_reset_and_verification_pages(
    client, course
):
    for url in PUBLIC:
        assert client.get(url).status_code == 200, url
    for url in PRIVATE:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"], url


def test_the_health_check_answers_a_load_balancer_and_tells_nothing_else(client, db, settings):
    settings.ALLOWED_HOSTS = ["training.district.example"]
    settings.SECURE_SSL_REDIRECT = True
    # A balancer probes each server by its own address over plain http.
    response = client.get("/health/", HTTP_HOST="10.0.0.12:8000")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


def test_the_health_check_says_when_the_database_is_unreachable(client, db, monkeypatch):
    from django.db import OperationalError, connection

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", unreachable)
        response = client.get("/health/")
    assert response.status_code == 503 and response.content == b"database unavailable\n"


def test_password_reset_sends_a_one_time_link(client, db):
    make_user("teacher@school.example", password="old-password-123")
    client.post("/accounts/password-reset/", {"email": "teacher@school.example"})
    assert mail.outbox == []  # queued, not sent during the request
    run_tasks()
    assert len(mail.outbox) == 1
    assert "/accounts/password-reset/" in mail.outbox[0].body
