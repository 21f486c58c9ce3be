"""The staff report as a principal and a district administrator read it: dates as dates,
overdue in words, a job-title filter within their scope, accent-blind search, extensions and
exemptions with their reasons, and the dashboard's figures leading into it."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from reports.selectors import dashboard, job_titles
from staff.models import Assignment, Location, TrainingCycle
from staff.services import assignment_exempt, assignment_extend
from tests.conftest import make_user

from .conftest import add_staff
from .test_dashboard import csv_rows


@pytest.fixture(autouse=True)
def _today(frozen_today):
    return frozen_today


@pytest.fixture
def hr_user(db):
    from django.contrib.auth.models import Group

    user = make_user("hr@district.example", first_name="Harriet", last_name="Ramos")
    user.groups.add(Group.objects.get(name="HR administrators"))
    return user


def report(client, query=""):
    return client.get(f"/admin/completion/staff/{query}").content.decode()


def row_of(html, employee_id):
    """The text of the report's row holding `employee_id`, tags removed."""
    for row in re.findall(r"<tr.*?</tr>", html, flags=re.S):
        if re.search(rf">\s*{employee_id}\s*<", row):
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"no row for {employee_id}")


def test_due_and_completion_dates_are_written_as_dates(district_admin, district):
    html = report(district_admin)
    assert "Just now" not in html and " ago" not in html
    assert "Oct 1, 2026" in row_of(html, "E003")
    # Completed at midnight UTC on Sep 20: the evening of Sep 19 in the district.
    assert "Sep 19, 2026" in row_of(html, "E005")


def test_a_completion_late_in_the_evening_keeps_the_districts_date(district_admin, district):
    Assignment.objects.filter(staff__employee_id="E001").update(
        completed_at=datetime(2026, 10, 2, 1, 30, tzinfo=UTC)  # Oct 1, 9:30 p.m. in New York
    )
    assert "Oct 1, 2026" in row_of(report(district_admin), "E001").split("Oct 1, 2026", 1)[1]
    rows = csv_rows(district_admin.get("/admin/completion/staff/?export=csv&q=E001"))
    assert dict(zip(rows[0], rows[1], strict=True))["Completed"] == "2026-10-01"


def test_overdue_is_said_in_words_with_its_days(district_admin, district):
    html = report(district_admin)
    assert "Overdue: 14 days" in row_of(html, "E003")
    assert "Overdue" not in row_of(html, "E006")  # due Nov 1
    Assignment.objects.filter(staff__employee_id="E006").update(due_on=date(2026, 10, 14))
    assert "Overdue: 1 day" in row_of(report(district_admin), "E006")


def test_the_xlsx_export_holds_real_dates(district_admin, district):
    response = district_admin.get("/admin/completion/staff/?export=xlsx&q=E005")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    row = dict(zip(rows[0], rows[1], strict=True))
    # Date cells, not text: a spreadsheet sorts and filters them as dates.
    assert row["Due"] == date(2026, 10, 1)
    assert row["Completed"] == date(2026, 9, 19)
    assert row["Status"] == "Completed" and row["Days overdue"] is None


def test_the_job_title_filter_offers_only_titles_in_scope(maple_principal, district, cycle):
    maple = district["maple"]
    add_staff(20, maple, "Librarian", cycle, active=False)  # inactive: not in the report
    other = TrainingCycle.objects.create(
        name="2025-2026",
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        refresher_due_on=date(2025, 10, 1),
    )
    add_staff(21, maple, "Speech Therapist", other)  # assigned in another cycle only
    assert job_titles(user=maple_principal.user, cycle=cycle) == ["Paraprofessional", "Teacher"]
    html = report(maple_principal)
    options = re.search(r'<select name="job_title".*?</select>', html, flags=re.S).group(0)
    assert "Paraprofessional" in options and "Teacher" in options
    for elsewhere in ("School Counselor", "Librarian", "Speech Therapist"):
        assert elsewhere not in options


def test_a_job_title_outside_the_scope_shows_nobody_and_says_why(maple_principal, district):
    html = report(maple_principal, "?job_title=School+Counselor")
    assert "These filters are not valid, so nobody is shown" in html
    assert "E004" not in html and "E005" not in html


@pytest.mark.parametrize("words", ["Nunez", "nunez", "NÚÑEZ", "maria nunez", "Núñez"])
def test_search_ignores_accents_and_case(district_admin, district, cycle, words):
    add_staff(30, district["maple"], "Teacher", cycle, last_name="Núñez")
    add_staff(31, district["riverside"], "Teacher", cycle, last_name="Lefèvre")
    from staff.models import Staff

    Staff.objects.filter(employee_id="E030").update(first_name="María")
    Staff.objects.get(employee_id="E030").save()  # the search column follows the name
    html = report(district_admin, f"?q={words}")
    assert "E030" in html and "E031" not in html and "E001" not in html


def test_lefevre_finds_lefevre_with_its_accent(district_admin, district, cycle):
    add_staff(31, district["riverside"], "Teacher", cycle, last_name="Lefèvre-Smith")
    html = report(district_admin, "?q=Lefevre")
    assert "E031" in html and "E001" not in html


def test_extensions_and_exemptions_show_in_the_report_with_their_reason(
    district_admin, district, hr_user
):
    e003 = Assignment.objects.get(staff__employee_id="E003")
    e007 = Assignment.objects.get(staff__employee_id="E007")
    assignment_extend(
        assignment_id=e003.pk,
        due_on=date(2027, 1, 15),
        reason="Surgery; back in December",
        by=hr_user,
    )
    assignment_exempt(assignment_id=e007.pk, reason="Long-term leave", by=hr_user)
    html = report(district_admin)
    assert "Jan 15, 2027 Extended to Jan 15, 2027 (was Oct 1, 2026). Reason: Surgery" in (
        row_of(html, "E003")
    )
    assert "Overdue" not in row_of(html, "E003")
    assert "Exempt Exempt Reason: Long-term leave" in row_of(html, "E007")
    exempt_only = report(district_admin, "?status=exempt")
    assert "E007" in exempt_only and "E003" not in exempt_only
    rows = csv_rows(district_admin.get("/admin/completion/staff/?export=csv"))
    by_id = {row[2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert (by_id["E003"]["Due"], by_id["E003"]["Originally due"]) == ("2027-01-15", "2026-10-01")
    assert by_id["E003"]["Extension or exemption"] == "Due date extended"
    assert by_id["E003"]["Status"] == "Not started"
    assert (by_id["E007"]["Status"], by_id["E007"]["Reason"]) == ("Exempt", "Long-term leave")


def test_the_dashboard_counts_exempt_staff_apart_and_leaves_them_out_of_the_rate(
    district_admin, district, cycle, hr_user, django_user_model
):
    e007 = Assignment.objects.get(staff__employee_id="E007")
    assignment_exempt(assignment_id=e007.pk, reason="Long-term leave", by=hr_user)
    data = dashboard(user=hr_user, cycle=cycle)
    assert (data.overall.assigned, data.overall.exempt, data.overall.expected) == (7, 1, 6)
    assert (data.overall.completed, data.overall.overdue, data.overall.percent) == (3, 1, 50.0)
    maple = next(r for r in data.by_location if r.label.startswith("Maple"))
    assert (maple.expected, maple.percent, maple.exempt) == (2, 50.0, 1)
    html = district_admin.get(f"/admin/completion/?cycle={cycle.pk}").content.decode()
    assert "50.0 %</strong> completed (3 of 6 expected)" in html
    assert "Exempt staff are left out of the completion rate: 7 assigned, 1 of them exempt." in (
        html
    )
    assert f'href="/admin/completion/staff/?cycle={cycle.pk}&amp;status=exempt">1' in html


def test_every_dashboard_figure_leads_to_the_report_filtered_to_it(district_admin, district, cycle):
    Assignment.objects.filter(staff__employee_id="E006").update(due_on=date(2026, 10, 2))
    add_staff(40, district["maple"], "Bus & Van Driver", cycle)
    add_staff(41, district["maple"], "", cycle)
    html = district_admin.get(f"/admin/completion/?cycle={cycle.pk}").content.decode()
    links = set(re.findall(r'href="(/admin/completion/staff/\?[^"]+)"', html))
    maple, riverside = district["maple"].pk, district["riverside"].pk

    def shown(url):
        page = district_admin.get(url.replace("&amp;", "&")).content.decode()
        return set(re.findall(r">\s*(E\d{3})\s*<", page))

    expected = {
        f"?cycle={cycle.pk}&amp;location={riverside}": {"E001", "E002", "E003", "E004"},
        f"?cycle={cycle.pk}&amp;location={maple}&amp;status=overdue": {
            "E006",
            "E007",
            "E040",
            "E041",
        },
        f"?cycle={cycle.pk}&amp;job_title=Teacher": {"E001", "E002", "E003", "E005"},
        f"?cycle={cycle.pk}&amp;job_title=Bus+%26+Van+Driver": {"E040"},
        f"?cycle={cycle.pk}&amp;job_title=-": {"E041"},  # the "—" row: no job title
        f"?cycle={cycle.pk}&amp;job_title=Teacher&amp;status=completed": {"E001", "E002", "E005"},
        f"?cycle={cycle.pk}&amp;status=in_progress": {"E004"},
    }
    for query, employees in expected.items():
        url = f"/admin/completion/staff/{query}"
        assert url in links, query
        assert shown(url) == employees, query
    # The chart's labels are links too.
    assert re.search(
        rf'<a href="/admin/completion/staff/\?cycle={cycle.pk}&amp;location={maple}"><text', html
    )


def test_a_location_administrator_drills_down_only_into_their_own_location(
    maple_principal, district, cycle
):
    html = maple_principal.get(f"/admin/completion/?cycle={cycle.pk}").content.decode()
    assert f"location={district['riverside'].pk}" not in html
    riverside = report(maple_principal, f"?cycle={cycle.pk}&location={district['riverside'].pk}")
    assert "E001" not in riverside and "These filters are not valid" in riverside


def test_the_report_of_another_cycle_shows_its_own_people_and_offers_no_reminders(
    district_admin, district, cycle
):
    other = TrainingCycle.objects.create(
        name="2025-2026",
        starts_on=date(2025, 7, 1),
        ends_on=date(2026, 6, 30),
        refresher_due_on=date(2025, 10, 1),
    )
    add_staff(50, Location.objects.get(name="Riverside High School"), "Teacher", other)
    html = report(district_admin, f"?cycle={other.pk}")
    assert "E050" in html and "E001" not in html
    # Last school year's report offers no reminders (nor boxes to tick for them).
    assert "Send a reminder" not in html and 'name="assignment"' not in html
    assert "Send a reminder" in report(district_admin, f"?cycle={cycle.pk}")
