import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.helpers import authenticator_give, login_verified, second_factor_code

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra=None, env_remove=()):
    # The browser tests' async-safety switch must not leak into a deployment check.
    env_remove = (*env_remove, "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in env_remove}
    env.update(env_extra or {})
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "eupsite.settings.production",
    "DJANGO_SECRET_KEY": "x" * 64 + "-a-long-random-production-key-for-the-check",
    "DJANGO_ALLOWED_HOSTS": "training.district.example",
}


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without_their_environment(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_manage("check", env_extra=env, env_remove=(missing,))
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_pass_check_deploy_with_single_sign_on_configured():
    sso = {
        "SSO_GOOGLE_CLIENT_ID": "1234-district.apps.googleusercontent.com",
        "SSO_GOOGLE_CLIENT_SECRET": "a-google-client-secret",
        "SSO_GOOGLE_DOMAIN": "district.example",
        "SSO_MICROSOFT_CLIENT_ID": "0b5c2f9e-district-app",
        "SSO_MICROSOFT_CLIENT_SECRET": "an-entra-client-secret",
        "SSO_MICROSOFT_TENANT_ID": "6f2a3c1e-district-tenant",
        "DISTRICT_HR_CONTACT": "Human Resources, hr@district.example",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION | sso)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_load_demo_creates_the_accounts_and_staff_at_two_schools_once(db, course, settings, capsys):
    from staff.models import Assignment, Location, Staff

    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "0 created, 6 already there" in out
    assert "http://127.0.0.1:8000/" in out
    users = get_user_model().objects.filter(username__endswith="@example.org")
    # learner, editor, district administrator, HR, principal, IT and four more demo staff (the
    # custodian's account is named by employee id: no e-mail)
    assert users.count() == 10
    principal = users.get(username="principal@example.org")
    assert [a.location.name for a in principal.location_access.all()] == [
        "Maple Street Elementary School"
    ]
    # Each administrator role is a group, not a superuser; only IT's account is one.
    assert [u.username for u in users.filter(is_superuser=True)] == ["it@example.org"]
    for username, group in [
        ("editor@example.org", "Editors"),
        ("admin@example.org", "District administrators"),
        ("hr@example.org", "HR administrators"),
        ("principal@example.org", "Location administrators"),
    ]:
        user = users.get(username=username)
        assert [g.name for g in user.groups.all()] == [group]
        assert user.has_perm("wagtailadmin.access_admin")
    learner = users.get(username="learner@example.org")
    assert learner.check_password("learn-the-policy")
    assert Location.objects.count() == 2
    assert Staff.objects.count() == 6 == Assignment.objects.count()
    assert learner.staff.location.name == "Maple Street Elementary School"
    assert "Riverside High School" in out and "sean.damico@example.org" in out
    assert not learner.has_perm("wagtailadmin.access_admin")


def test_the_demo_staff_cover_each_kind_of_learner(db, course, settings):
    from django.utils import timezone

    from staff.models import Assignment
    from staff.selectors import OVERDUE, assignment_status

    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    today = timezone.localdate()

    def assignment(employee_id):
        return Assignment.objects.select_related("staff__user", "cycle").get(
            staff__employee_id=employee_id
        )

    refresher, new_hire, late, custodian = (
        assignment(i) for i in ("D-1001", "D-1002", "D-1003", "D-1004")
    )
    assert refresher.kind == "refresher" and assignment_status(refresher) != OVERDUE
    assert new_hire.kind == "onboarding" and new_hire.due_on > today
    assert late.kind == "refresher"
    assert (assignment_status(late) == OVERDUE) == (today > late.cycle.refresher_due_on)
    assert custodian.staff.email == "" and not custodian.staff.user.has_usable_password()


def test_load_demo_refuses_outside_development(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")


def test_the_login_page_works_and_a_learner_lands_on_the_course(client, course, django_user_model):
    django_user_model.objects.create_user("t@school.example", password="pw-for-the-test-1")
    page = client.get("/accounts/login/?next=/")
    assert page.status_code == 200
    assert b'for="id_username"' in page.content and b"csrfmiddlewaretoken" in page.content
    response = client.post(
        "/accounts/login/",
        {"username": "t@school.example", "password": "pw-for-the-test-1", "next": "/"},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("next_url", ["", "/"])
def test_an_administrator_lands_on_the_admin_dashboard_after_signing_in(client, course, next_url):
    from django.contrib.auth.models import Group

    principal = get_user_model().objects.create_user("p@school.example", password="pw-for-p-1")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    authenticator_give(principal)
    response = client.post(
        "/accounts/login/",
        {"username": "p@school.example", "password": "pw-for-p-1", "next": next_url},
    )
    # The password is the first step; the code from the authenticator app the second.
    assert response.status_code == 302 and response["Location"] == "/accounts/second-factor/"
    response = client.post("/accounts/second-factor/", {"code": second_factor_code(principal)})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_an_administrator_asking_for_a_page_gets_that_page_after_signing_in(client, course):
    from django.contrib.auth.models import Group

    principal = get_user_model().objects.create_user("p@school.example", password="pw-for-p-1")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    authenticator_give(principal)
    client.post(
        "/accounts/login/",
        {"username": "p@school.example", "password": "pw-for-p-1", "next": "/admin/completion/"},
    )
    response = client.post("/accounts/second-factor/", {"code": second_factor_code(principal)})
    assert response["Location"] == "/admin/completion/"


def test_learner_pages_show_administrators_a_link_to_the_admin(client, course, learner):
    from django.contrib.auth.models import Group

    login_verified(client, learner)
    assert b">Administration<" not in client.get("/").content
    learner.groups.add(Group.objects.get(name="Location administrators"))
    # Decided once per session: from the next sign-in (as a fresh sign-in loads the user anew).
    login_verified(client, type(learner).objects.get(pk=learner.pk))
    assert b'href="/admin/">Administration<' in client.get("/").content


def test_a_wrong_password_says_what_to_do(client, db):
    response = client.post("/accounts/login/", {"username": "nobody@x.example", "password": "no"})
    assert response.status_code == 200
    assert b"ask your administrator to reset your password" in response.content


def test_editors_manage_the_course_in_the_wagtail_admin(client, course, sections):
    admin = get_user_model().objects.create_superuser("boss@school.example", password="pw")
    login_verified(client, admin)
    assert client.get(f"/admin/pages/{sections[0].pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{course.pk}/").status_code == 200
