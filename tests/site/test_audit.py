"""The audit trail of administrators' actions (issue H, item 21)."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import ModelLogEntry

from certificates.models import Certificate
from certificates.services import certificate_revoke
from jobs.models import PreparedFile
from jobs.services import file_request
from tests.certificates.conftest import sign
from tests.helpers import login_verified, run_tasks
from tests.jobs.test_prepared_files import district_admin


@pytest.fixture
def signed_cycle(learner_client, passed_everything, settings, tmp_path):
    from staff.models import TrainingCycle

    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    return TrainingCycle.objects.get(), tmp_path


SITE_HISTORY = '"url": "/admin/reports/site-history/"'


def menu(client) -> str:
    """The admin's sidebar menu as sent to the browser."""
    html = client.get("/admin/").content.decode()
    return html[html.index('id="wagtail-sidebar-props"') :].split("</script>")[0]


def entries(action):
    return list(ModelLogEntry.objects.filter(action=action).select_related("user"))


def test_h21_revoking_a_certificate_is_recorded_with_who_when_and_why(
    learner_client, passed_everything, client
):
    sign(learner_client)
    admin, admin_client = district_admin("district@district.example")
    certificate = Certificate.objects.get()
    response = admin_client.post(
        f"/admin/certificates/{certificate.pk}/revoke/", {"reason": "Signed for someone else"}
    )
    assert response.status_code == 302
    [entry] = entries("eup.certificate.revoke")
    assert entry.user == admin and entry.object_id == str(certificate.pk)
    assert entry.data == {"reason": "Signed for someone else"}
    # Revoking again changes nothing and records nothing.
    certificate_revoke(certificate=certificate, reason="again", by=admin)
    assert len(entries("eup.certificate.revoke")) == 1

    it = get_user_model().objects.create_superuser("it@district.example", password="x")
    login_verified(client, it)
    history = client.get("/admin/reports/site-history/").content.decode()
    assert "Certificate revoked" in history and "Signed for someone else" in history


def test_h21_downloading_a_records_archive_is_recorded(signed_cycle):
    cycle, tmp_path = signed_cycle
    admin, client = district_admin("district@district.example")
    prepared = file_request(kind=PreparedFile.Kind.RECORDS_ARCHIVE, user=admin, cycle=cycle)
    run_tasks()
    assert client.get(f"/admin/downloads/{prepared.pk}/").status_code == 200
    [entry] = entries("eup.file.download")
    assert entry.user == admin
    assert entry.data["file"] == f"records-{cycle.name}.zip"


def test_h21_hr_sees_roster_applies_cycle_openings_extensions_and_deactivations(db, client, course):
    from datetime import date

    from django.contrib.auth.models import Group

    from staff.models import Assignment, Location, Staff
    from staff.services import assignment_extend, cycle_open
    from tests.conftest import make_user
    from tests.staff.test_roster_result import FILE, upload

    hr = make_user("hr@district.example", first_name="Harriet", last_name="Ramos")
    hr.groups.add(Group.objects.get(name="HR administrators"))
    login_verified(client, hr)
    Location.objects.create(name="Maple Street Elementary School")
    Location.objects.create(name="Riverside High School")
    cycle, _ = cycle_open(year=2026, by=hr)
    client.post(upload(client, FILE))
    zoe = Staff.objects.get(employee_id="E4")
    assignment = Assignment.objects.get(staff=zoe, cycle=cycle)
    assignment_extend(
        assignment_id=assignment.pk,
        due_on=date(2027, 1, 15),
        reason="Surgery",
        by=hr,
        today=date(2026, 9, 1),
    )
    client.post(
        "/admin/bulk/staff/staff/deactivate/?next=/admin/&id=" + str(zoe.pk),
        {"next": "/admin/"},
    )
    for action, detail in [
        ("staff.cycle_open", None),
        ("staff.roster_apply", "4 new, 0 updated"),
        ("staff.assignment_extend", "Surgery"),
        ("staff.deactivate", None),
    ]:
        [entry] = entries(action)
        assert entry.user == hr, action
        if detail:
            assert detail in str(entry.data), (action, entry.data)

    assert SITE_HISTORY in menu(client)
    history = client.get("/admin/reports/site-history/").content.decode()
    for message in ("Roster import applied", "Cycle opened", "Due date extended", "Deactivated"):
        assert message in history, message


def test_h21_principals_are_not_shown_the_audit_trail(db, client):
    from django.contrib.auth.models import Group

    from tests.conftest import make_user

    principal = make_user("p@district.example")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    login_verified(client, principal)
    assert SITE_HISTORY not in menu(client)


def test_h21_changes_to_location_administrators_are_recorded(db, client):
    from django.contrib.auth.models import Group

    from staff.models import Location, LocationAccess
    from tests.conftest import make_user

    it = get_user_model().objects.create_superuser("it@district.example", password="x")
    login_verified(client, it)
    principal = make_user("p@district.example")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    maple = Location.objects.create(name="Maple")
    response = client.post(
        "/admin/snippets/staff/locationaccess/add/",
        {"user": principal.pk, "location": maple.pk},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    access = LocationAccess.objects.get()
    [entry] = ModelLogEntry.objects.filter(object_id=str(access.pk), action="wagtail.create")
    assert entry.user == it
