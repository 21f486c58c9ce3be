from datetime import date, timedelta

from django.core import mail
from django.core.management import call_command

from reports.models import DigestLog, ReminderLog
from reports.services import reminders_send
from staff.models import Assignment
from tests.helpers import run_tasks

from .conftest import TODAY


def recipients():
    run_tasks()
    return sorted(address for message in mail.outbox for address in message.to)


def test_reminders_go_to_staff_due_within_a_week_or_overdue(district, settings):
    # Due soon: move one not-started assignment to 5 days from today; one stays far away.
    Assignment.objects.filter(staff__employee_id="E006").update(due_on=TODAY + timedelta(days=5))
    Assignment.objects.filter(staff__employee_id="E004").update(due_on=TODAY + timedelta(days=20))
    report = reminders_send(today=TODAY)
    run_tasks()
    staff_mail = [m for m in mail.outbox if "Reminder" in m.subject or "Overdue" in m.subject]
    assert sorted(a for m in staff_mail for a in m.to) == [
        "s3@district.example",  # overdue
        "s6@district.example",  # due in 5 days
        "s7@district.example",  # overdue
    ]
    assert report.reminders == 3
    overdue_mail = next(m for m in staff_mail if m.to == ["s3@district.example"])
    assert overdue_mail.subject.startswith("Overdue")


def test_nobody_is_reminded_twice_the_same_day_or_within_the_interval(district):
    reminders_send(today=TODAY)
    run_tasks()
    sent = len(mail.outbox)
    again = reminders_send(today=TODAY)
    run_tasks()
    assert again.reminders == 0 and again.digests == 0 and len(mail.outbox) == sent
    assert reminders_send(today=TODAY + timedelta(days=3)).reminders == 0
    later = reminders_send(today=TODAY + timedelta(days=7))
    assert later.reminders == 2  # the two overdue staff, a week later
    assert ReminderLog.objects.filter(assignment__staff__employee_id="E003").count() == 2


def test_completed_inactive_and_far_off_staff_get_nothing(district):
    reminders_send(today=TODAY)
    addresses = recipients()
    for employee in ("s1@", "s2@", "s5@", "s8@", "s4@"):
        assert not any(a.startswith(employee) for a in addresses)


def test_each_location_administrator_gets_a_digest_of_their_overdue_staff(
    district, maple_principal
):
    reminders_send(today=TODAY)
    run_tasks()
    digests = [m for m in mail.outbox if m.to == ["principal@district.example"]]
    assert len(digests) == 1
    body = digests[0].body
    assert "E007" in body and "E003" not in body  # Riverside's overdue teacher is not Maple's
    assert digests[0].subject.startswith("Maple Street Elementary School: 1 staff overdue")
    assert DigestLog.objects.get().overdue_count == 1
    reminders_send(today=TODAY + timedelta(days=1))
    run_tasks()
    assert len([m for m in mail.outbox if m.to == ["principal@district.example"]]) == 1


def test_the_command_reports_what_it_sent(district, capsys, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    call_command("send_reminders")
    out = capsys.readouterr().out
    assert "Queued 2 reminder(s)" in out and "assignments checked" in out
    call_command("send_reminders")
    assert (
        "Queued 0 reminder(s) and 0 digest(s) for the worker to send; 2 reminded recently"
        in capsys.readouterr().out
    )
    assert date(2026, 10, 15) == TODAY


def test_the_command_skips_exempt_staff_and_follows_an_extended_date(district):
    from django.contrib.auth import get_user_model

    from staff.services import assignment_exempt, assignment_extend

    hr = get_user_model().objects.create_user("hr@district.example")
    e003 = Assignment.objects.get(staff__employee_id="E003")
    e007 = Assignment.objects.get(staff__employee_id="E007")
    assignment_exempt(assignment_id=e003.pk, reason="Long-term leave", by=hr)
    assignment_extend(
        assignment_id=e007.pk, due_on=date(2026, 12, 1), reason="Surgery", by=hr, today=TODAY
    )
    report = reminders_send(today=TODAY)
    assert report.reminders == 0 and recipients() == []  # no digest either: nobody overdue
    assert not ReminderLog.objects.exists()
    # A week before the extended date, the reminder goes out and names that date.
    reminders_send(today=date(2026, 11, 25))
    mail.outbox.clear()
    run_tasks()
    (message,) = [m for m in mail.outbox if m.to == ["s7@district.example"]]
    assert "due on December 1, 2026" in message.body
    assert message.subject == "Reminder: your training is due December 1"


def test_the_digest_leaves_out_exempt_staff(district, maple_principal):
    from staff.services import assignment_exempt

    e007 = Assignment.objects.get(staff__employee_id="E007")
    assignment_exempt(assignment_id=e007.pk, reason="Long-term leave", by=maple_principal.user)
    reminders_send(today=TODAY)
    run_tasks()
    assert [m for m in mail.outbox if m.to == ["principal@district.example"]] == []


def test_staff_without_an_email_address_are_skipped_not_sent_to_nowhere(district):
    from staff.models import Staff

    Staff.objects.filter(employee_id="E003").update(email="")
    report = reminders_send(today=TODAY)
    assert report.reminders == 1 and report.skipped_no_email == 1
    assert not ReminderLog.objects.filter(assignment__staff__employee_id="E003").exists()
