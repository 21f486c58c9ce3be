"""Sending reminders from the staff report: a confirmation page that lists who gets one and
who is skipped and why, then a plain POST that queues them under the daily command's rule."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client

from jobs.models import OutgoingEmail
from reports.models import ReminderLog
from reports.services import reminders_send
from reports.views import REMIND_BAD_SELECTION, REMIND_NONE_SELECTED
from staff.models import Assignment, Staff
from staff.services import assignment_exempt
from tests.helpers import login_verified, run_tasks

from .conftest import TODAY


@pytest.fixture(autouse=True)
def _today(frozen_today):
    return frozen_today


def ids(*employee_ids):
    return [
        str(pk)
        for pk in Assignment.objects.filter(staff__employee_id__in=employee_ids).values_list(
            "pk", flat=True
        )
    ]


def confirm(client, query):
    response = client.get(f"/admin/completion/staff/remind/{query}")
    assert response.status_code == 200
    return response.content.decode()


def text(html):
    """What a person reads: the page without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html, heading):
    """The table under `heading` on the confirmation page, as text."""
    return text(html.split(heading, 1)[1].split("</table>", 1)[0])


def the_form_fields(html):
    form = re.search(r'<form method="post".*?</form>', html, flags=re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_the_confirmation_lists_who_gets_one_and_who_is_skipped_and_why(
    district_admin, district, maple_principal
):
    Staff.objects.filter(employee_id="E006").update(email="")
    assignment_exempt(
        assignment_id=Assignment.objects.get(staff__employee_id="E004").pk,
        reason="Long-term leave",
        by=maple_principal.user,
    )
    ReminderLog.objects.create(
        assignment=Assignment.objects.get(staff__employee_id="E007"),
        sent_on=TODAY - timedelta(days=2),
        overdue=True,
    )
    chosen = ids("E001", "E003", "E004", "E006", "E007", "E008")  # E008 left the district
    html = confirm(
        district_admin, "?scope=selected&" + "&".join(f"assignment={pk}" for pk in chosen)
    )
    assert "1 person will get a reminder e-mail. 5 are skipped." in text(html)
    will = section(html, "Will get a reminder")
    assert "Last003, First3" in will and "Overdue: 14 days" in will
    skipped = section(html, "Skipped, and why")
    for employee_id, why in [
        ("E001", "Completed"),
        ("E008", "Inactive on the roster"),
        ("E004", "Exempt from this cycle"),
        ("E006", "No e-mail address on the roster"),
        ("E007", "Reminded within the last 7 days Oct 13, 2026"),
    ]:
        assert re.search(rf"{employee_id} [A-Za-z ]+ {why}", skipped), (employee_id, skipped)
    assert the_form_fields(html)["assignments"] == ids("E003")[0]
    assert "Send 1 reminder" in html
    assert not OutgoingEmail.objects.exists()  # nothing is sent by looking


def test_sending_queues_the_listed_reminders_once_and_says_how_many(district_admin, district):
    html = confirm(district_admin, "?status=overdue&scope=filtered")
    fields = the_form_fields(html)
    assert sorted(fields["assignments"].split()) == sorted(ids("E003", "E007"))
    response = district_admin.post("/admin/completion/staff/remind/", fields)
    assert response.status_code == 302
    assert response["Location"] == "/admin/completion/staff/?status=overdue"
    page = district_admin.get(response["Location"]).content.decode()
    assert "2 reminders queued for sending." in page
    logs = ReminderLog.objects.order_by("assignment__staff__employee_id")
    assert [(log.assignment.staff.employee_id, log.sent_by.username) for log in logs] == [
        ("E003", "district@district.example"),
        ("E007", "district@district.example"),
    ]
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["s3@district.example", "s7@district.example"]
    assert mail.outbox[0].subject.startswith("Overdue: your training was due October 1")
    # The same page sent again (a second click, another tab) queues nothing more.
    response = district_admin.post("/admin/completion/staff/remind/", fields)
    page = district_admin.get(response["Location"]).content.decode()
    assert "0 reminders queued for sending." in page and "2 people were skipped" in page
    assert ReminderLog.objects.count() == 2 and OutgoingEmail.objects.count() == 2


def test_the_daily_command_and_the_report_share_the_never_twice_rule(district_admin, district):
    reminders_send(today=TODAY)  # the command reminds E003 and E007 this morning
    html = confirm(district_admin, "?status=overdue&scope=filtered")
    assert "0 people will get a reminder e-mail. 2 are skipped." in text(html)
    assert "Nobody chosen can be reminded now." in html and '<form method="post"' not in html
    ReminderLog.objects.update(sent_on=TODAY - timedelta(days=7))  # a week ago: due again
    assert "2 people will get a reminder e-mail." in text(
        confirm(district_admin, "?status=overdue&scope=filtered")
    )
    district_admin.post(
        "/admin/completion/staff/remind/",
        the_form_fields(confirm(district_admin, "?status=overdue&scope=filtered")),
    )
    assert reminders_send(today=TODAY).skipped_recent == 2  # and the command now skips them


def test_a_principal_reminds_only_their_own_locations_staff(maple_principal, district):
    html = confirm(maple_principal, "?scope=filtered&status=overdue")
    assert "E007" in html and "E003" not in html  # Riverside's E003 is not theirs
    riverside = ids("E003")[0]
    html = confirm(maple_principal, f"?scope=selected&assignment={riverside}")
    assert str(REMIND_BAD_SELECTION) in html and '<form method="post"' not in html
    response = maple_principal.post(
        "/admin/completion/staff/remind/", {"assignments": f"{ids('E007')[0]} {riverside}"}
    )
    assert str(REMIND_BAD_SELECTION) in response.content.decode()
    assert not ReminderLog.objects.exists() and not OutgoingEmail.objects.exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?scope=selected", REMIND_NONE_SELECTED),
        ("?scope=selected&assignment=abc", REMIND_BAD_SELECTION),
        ("?scope=selected&assignment=999999", REMIND_BAD_SELECTION),
    ],
)
def test_a_bad_selection_gets_one_message_and_sends_nothing(
    district_admin, district, query, message
):
    html = confirm(district_admin, query)
    assert str(message) in html
    response = district_admin.post("/admin/completion/staff/remind/", {"assignments": "x 1"})
    assert response.status_code == 200 and str(REMIND_BAD_SELECTION) in response.content.decode()
    response = district_admin.post("/admin/completion/staff/remind/", {"status": "overdue"})
    assert str(REMIND_NONE_SELECTED) in response.content.decode()  # a POST never uses filters
    assert not OutgoingEmail.objects.exists()


def test_invalid_filters_are_said_and_send_nothing(district_admin, district):
    html = confirm(district_admin, "?scope=filtered&status=sleeping")
    assert "These filters are not valid: Status:" in html
    assert '<form method="post"' not in html


def test_the_report_offers_reminders_as_plain_forms(district_admin, district, cycle):
    html = district_admin.get("/admin/completion/staff/?status=overdue").content.decode()
    form = re.search(r'<form id="remind-selected".*?</form>', html, flags=re.S).group(0)
    assert 'method="get" action="/admin/completion/staff/remind/"' in form
    assert f'<input type="hidden" name="cycle" value="{cycle.pk}">' in form
    assert '<input type="hidden" name="status" value="overdue">' in form
    assert re.search(r'<button type="submit" name="scope" value="selected"', form)
    for pk in ids("E003", "E007"):
        assert (
            f'<input type="checkbox" name="assignment" value="{pk}" id="remind-{pk}" '
            f'form="remind-selected"'
        ) in html
    assert (
        f'href="/admin/completion/staff/remind/?cycle={cycle.pk}&amp;status=overdue&amp;'
        f'scope=filtered">Send a reminder to all 2 people shown</a>'
    ) in html


def test_sending_needs_a_csrf_token_and_the_reports_permission(district, learner_client):
    from django.contrib.auth.models import Group

    from tests.conftest import make_user

    user = make_user("another.admin@district.example")
    user.groups.add(Group.objects.get(name="District administrators"))
    strict = Client(enforce_csrf_checks=True)
    login_verified(strict, user)
    response = strict.post("/admin/completion/staff/remind/", {"assignments": ids("E003")[0]})
    assert response.status_code == 403
    for method in (learner_client.get, learner_client.post):
        assert method("/admin/completion/staff/remind/").status_code in (302, 403)
    assert not OutgoingEmail.objects.exists()
    assert TODAY == date(2026, 10, 15)
