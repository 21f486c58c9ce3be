"""The demo principal (Location administrators, Maple Street only, not a superuser) filters the
staff report, sends reminders to overdue staff (select, confirm, result) by keyboard, does the
same without JavaScript, and exports the filtered rows as CSV."""

import csv
import io
import os
import re

from playwright.sync_api import expect

from jobs.models import OutgoingEmail
from reports.models import ReminderLog
from staff.models import Assignment

from .conftest import watch_context
from .test_admin_menus_e2e import ACCOUNTS, sign_in


def screenshot(page, name):
    """Screenshots for a person to look at, when SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_the_principal_filters_reminds_overdue_staff_and_exports(page, live_server, demo_site):  # noqa: F811
    due = Assignment.objects.get(staff__employee_id="D-1003").due_on
    due_text = f"{due:%b} {due.day}, {due.year}"
    principal = sign_in(page, live_server, "principal")
    page.get_by_role("link", name="Staff training report").click()
    expect(page.get_by_text("D-1001")).to_be_visible()
    assert "D-2001" not in page.content()  # Riverside is not theirs

    # Filter through the report's own filters: overdue staff.
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Status").click()
    page.get_by_label("Status").select_option("overdue")
    expect(page).to_have_url(re.compile(r"status=overdue"))
    page.keyboard.press("Escape")
    expect(page.get_by_text("D-1002")).to_have_count(0)  # Jamal is not overdue
    expect(page.get_by_text("D-1001")).to_have_count(0)  # María's date was extended
    row = page.get_by_role("row", name=re.compile("O'Brien, Siobhán"))
    expect(row).to_contain_text("Overdue: 30 days")
    expect(row).to_contain_text(due_text)  # a date, not "1 month ago"
    screenshot(page, "principal-report-overdue")

    # Select Siobhán and send her a reminder, by keyboard alone. The filter swaps the listing
    # in place: wait until nothing is loading, or the checkbox focused may be replaced.
    page.wait_for_load_state("networkidle")
    page.get_by_label("Select O'Brien, Siobhán").focus()
    expect(page.get_by_label("Select O'Brien, Siobhán")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Select O'Brien, Siobhán")).to_be_checked()
    page.get_by_role("button", name="Send a reminder to the selected staff").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Send reminders"))).to_be_visible()
    expect(page.get_by_text("1 person will get a reminder e-mail.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("O'Brien, Siobhán"))).to_be_visible()
    screenshot(page, "principal-remind-confirm")
    page.get_by_role("button", name="Send 1 reminder").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 reminder queued for sending.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/completion/staff/\?cycle=\d+&status=overdue"))
    screenshot(page, "principal-remind-result")
    (log,) = ReminderLog.objects.all()
    assert log.sent_by.username == principal.username
    assert log.assignment.staff.employee_id == "D-1003"
    assert OutgoingEmail.objects.get(kind="reminder").to == "siobhan.obrien@example.org"

    # Everyone shown again: Siobhán was just reminded and the custodian has no e-mail, so
    # nobody is, and why is said for each.
    page.get_by_role("link", name="Send a reminder to all 2 people shown").click()
    expect(page.get_by_text("0 people will get a reminder e-mail.")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile("Reminded within the last 7 days"))
    ).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Ruiz-Peña"))).to_contain_text("e-mail")
    screenshot(page, "principal-remind-skipped")
    page.get_by_role("link", name="Back to the staff report").click()
    expect(page).to_have_url(re.compile(r"status=overdue"))

    # The CSV holds the filtered rows of their school only, dates as dates.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Actions").click()
        page.get_by_role("link", name="Download CSV").click()
    text = open(download_info.value.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["Employee id"], r["Status"], r["Location"]) for r in rows] == [
        ("D-1003", "Overdue", "Maple Street Elementary School"),
        ("D-1004", "Overdue", "Maple Street Elementary School"),
    ]
    assert rows[0]["Due"] == due.isoformat() and rows[0]["Days overdue"] == "30"

    # A principal sees a person's record but is offered no extension or exemption.
    page.get_by_role("link", name="O'Brien, Siobhán").click()
    expect(page.get_by_role("heading", name=re.compile("Siobhán O'Brien"))).to_be_visible()
    expect(page.get_by_text("Extend the due date")).to_have_count(0)
    assert ACCOUNTS["principal"].username == principal.username


def test_reminders_work_without_javascript(browser, live_server, demo_site):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    problems = watch_context(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, "principal")
    page.goto(f"{live_server.url}/admin/completion/staff/?status=not_started&q=Carter")
    expect(page.get_by_text("D-1002")).to_be_visible()
    page.get_by_role("link", name="Send a reminder to the 1 person shown").click()
    expect(page.get_by_text("1 person will get a reminder e-mail.")).to_be_visible()
    page.get_by_role("button", name="Send 1 reminder").click()
    expect(page.get_by_text("1 reminder queued for sending.")).to_be_visible()
    assert OutgoingEmail.objects.get(kind="reminder").to == "jamal.carter@example.org"
    context.close()
    assert problems.problems == []
