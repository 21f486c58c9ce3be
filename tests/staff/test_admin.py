import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from staff.models import RosterImport, Staff
from tests.helpers import login_verified, run_tasks

from .test_roster_import import HEADER, MESSY


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("hr@district.example", password="pw")
    login_verified(client, admin)
    return client


def upload(client, text, **flags):
    data = {"file": SimpleUploadedFile("roster.csv", text.encode("utf-8"), "text/csv")}
    data.update({k: "on" for k, v in flags.items() if v})
    return client.post("/admin/roster/import/", data)


def test_the_upload_previews_changes_before_anything_is_written(admin_client):
    response = upload(admin_client, MESSY)
    assert response.status_code == 302
    assert not Staff.objects.exists()
    preview = admin_client.get(response["Location"])
    html = preview.content.decode()
    assert "<strong>3</strong> new" in html
    assert "Zoë Lefèvre-Smith" in html
    assert "Apply this import" in html

    applied = admin_client.post(response["Location"], follow=True)
    assert b"Roster imported." in applied.content
    assert Staff.objects.count() == 3
    assert RosterImport.objects.get().summary["new"] == 3


def test_applying_the_same_preview_twice_imports_once(admin_client):
    url = upload(admin_client, MESSY)["Location"]
    admin_client.post(url)
    admin_client.post(url)
    assert Staff.objects.count() == 3


def test_the_preview_of_a_file_with_bad_rows_lists_them_and_cannot_be_applied(admin_client):
    text = (
        HEADER
        + "E1,Ann,Lee,ann@x.example,S,T,2024-01-10,yes\nE2,Bo,Ray,bad-email,S,T,2024-01-10,yes\n"
    )
    url = upload(admin_client, text)["Location"]
    html = admin_client.get(url).content.decode()
    assert "Rejected rows" in html and "not a valid e-mail address" in html
    assert "Apply this import" not in html
    admin_client.post(url)
    assert not Staff.objects.exists()


def test_a_file_that_is_not_a_roster_is_refused_on_the_upload_form(admin_client):
    response = upload(admin_client, "name,age\nAnn,3\n")
    assert response.status_code == 200
    assert b"lacks the columns" in response.content
    assert not RosterImport.objects.exists()


def test_the_preview_shows_updates_and_deactivations(admin_client):
    admin_client.post(upload(admin_client, MESSY)["Location"])
    changed = MESSY.replace("Teacher", "Department Head")
    only_first_two = "\n".join(changed.splitlines()[:2]) + "\n"
    url = upload(admin_client, only_first_two, deactivate_missing=True)["Location"]
    html = admin_client.get(url).content.decode()
    assert "<strong>1</strong> updated" in html and "job_title" in html
    assert "<strong>2</strong> deactivated" in html


def test_learners_cannot_reach_the_roster_upload(client, db):
    learner = get_user_model().objects.create_user("l@district.example", password="pw")
    login_verified(client, learner)
    response = client.get("/admin/roster/import/")
    assert response.status_code in (302, 403)


def test_the_invite_bulk_action_sends_invitations(admin_client):
    admin_client.post(upload(admin_client, MESSY)["Location"])
    ids = list(Staff.objects.values_list("pk", flat=True))
    query = "&".join(f"id={pk}" for pk in ids)
    url = f"/admin/bulk/staff/staff/invite/?next=/admin/&{query}"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url)
    assert response.status_code == 200
    assert b"3 invitations queued" in response.content
    run_tasks()
    assert len(mail.outbox) == 3
    assert Staff.objects.filter(invited_at__isnull=False).count() == 3
