import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from reports.selectors import dashboard
from staff.models import Staff, TrainingCycle
from tests.helpers import login_verified

from .conftest import add_staff


@pytest.fixture(autouse=True)
def _today(frozen_today):
    return frozen_today


def test_rates_and_counts_on_a_known_district(district, cycle, django_user_model):
    admin = django_user_model.objects.create_superuser("root@district.example", password="pw")
    data = dashboard(user=admin, cycle=cycle)
    overall = data.overall
    assert (overall.assigned, overall.completed, overall.percent) == (7, 3, 42.9)
    assert (overall.not_started, overall.in_progress, overall.overdue) == (1, 1, 2)
    by_location = {
        r.label: (r.assigned, r.completed, r.percent, r.overdue) for r in data.by_location
    }
    assert by_location == {
        "Maple Street Elementary School": (3, 1, 33.3, 1),
        "Riverside High School": (4, 2, 50.0, 1),
    }
    by_job = {r.label: (r.assigned, r.completed) for r in data.by_job_title}
    assert by_job == {"Paraprofessional": (2, 0), "School Counselor": (1, 0), "Teacher": (4, 3)}


def test_the_dashboard_page_shows_numbers_a_chart_and_tables(district_admin, district, cycle):
    html = district_admin.get(f"/admin/completion/?cycle={cycle.pk}").content.decode()
    assert "42.9 %</strong> completed (3 of 7 expected)" in html
    assert "<svg" in html and "50 % (2/4)" in html and "33.3 % (1/3)" in html
    riverside = district["riverside"].pk
    assert (
        f'<th scope="row"><a href="/admin/completion/staff/?cycle={cycle.pk}&amp;'
        f'location={riverside}">Riverside High School</a></th>'
    ) in html


def test_the_chart_in_spanish_still_writes_its_numbers_with_a_point(
    district_admin, district, cycle
):
    url = f"/admin/completion/?cycle={cycle.pk}"
    html = district_admin.get(url, headers={"accept-language": "es"}).content.decode()
    assert '<html lang="es"' in html or 'lang="es"' in html
    chart = html.split('<svg aria-labelledby="chart-title', 1)[1].split("</svg>", 1)[0]
    numbers = re.findall(r'(?:x|y|width|height)="([^"]*)"', chart)
    assert numbers and all(re.fullmatch(r"[\d. %]+", n) for n in numbers), numbers
    # The text beside each bar is Spanish: a decimal comma.
    assert "33,3 %" in chart


def test_the_admin_home_has_a_completion_panel(district_admin, district, cycle):
    html = district_admin.get("/admin/").content.decode()
    assert "Training completion, 2026-2027" in html


def test_a_location_administrator_sees_only_their_location(maple_principal, district, cycle):
    data = dashboard(user=maple_principal.user, cycle=cycle)
    assert [r.label for r in data.by_location] == ["Maple Street Elementary School"]
    assert data.overall.assigned == 3
    html = maple_principal.get("/admin/completion/staff/").content.decode()
    assert "E005" in html and "E001" not in html


def test_a_location_administrator_gets_404_for_another_locations_person(maple_principal, district):
    riverside_person = Staff.objects.get(employee_id="E001")
    maple_person = Staff.objects.get(employee_id="E005")
    assert (
        maple_principal.get(f"/admin/completion/person/{riverside_person.pk}/").status_code == 404
    )
    assert maple_principal.get(f"/admin/completion/person/{maple_person.pk}/").status_code == 200


def test_learners_never_reach_the_reports(learner_client, district):
    for url in ("/admin/completion/", "/admin/completion/staff/", "/admin/completion/person/1/"):
        assert learner_client.get(url).status_code in (302, 403)


def test_the_staff_report_filters_searches_and_sorts(district_admin, district):
    html = district_admin.get("/admin/completion/staff/?status=overdue").content.decode()
    assert "E003" in html and "E007" in html and "E001" not in html
    html = district_admin.get("/admin/completion/staff/?q=E004").content.decode()
    assert "E004" in html and "E003" not in html
    html = district_admin.get(
        f"/admin/completion/staff/?location={district['riverside'].pk}&job_title=Teacher"
    ).content.decode()
    assert "E001" in html and "E004" not in html and "E005" not in html
    html = district_admin.get(
        "/admin/completion/staff/?ordering=-staff__employee_id"
    ).content.decode()
    assert html.index("E007") < html.index("E001")
    assert "E008" not in html  # inactive staff are not in the report


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_holds_the_filtered_rows_and_neutralises_formulas(district_admin, district):
    response = district_admin.get(
        f"/admin/completion/staff/?export=csv&location={district['maple'].pk}"
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Last name",
        "First name",
        "Employee id",
        "Location",
        "Job title",
        "Course",
        "Status",
        "Days overdue",
        "Due",
        "Originally due",
        "Extension or exemption",
        "Reason",
        "Completed",
        "Certificate",
    ]
    assert len(rows) == 4
    by_id = {row[2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    # Completed at midnight UTC on Sep 20 is the evening of Sep 19 in the district.
    assert by_id["E005"]["Status"] == "Completed" and by_id["E005"]["Completed"] == "2026-09-19"
    assert by_id["E007"]["Last name"] == '\'=HYPERLINK("http://x")'
    assert by_id["E007"]["Status"] == "Overdue" and by_id["E007"]["Days overdue"] == "14"
    assert by_id["E007"]["Due"] == "2026-10-01" and by_id["E007"]["Reason"] == ""


def test_xlsx_export_matches_and_neutralises_formulas(district_admin, district):
    response = district_admin.get("/admin/completion/staff/?export=xlsx&status=overdue")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Last name"
    assert sorted(r[2] for r in rows[1:]) == ["E003", "E007"]
    cell = next(r for r in rows[1:] if r[2] == "E007")[0]
    assert cell.startswith("'=")


def test_exports_are_scoped_to_the_location_administrator(maple_principal, district):
    rows = csv_rows(maple_principal.get("/admin/completion/staff/?export=csv"))
    assert {row[3] for row in rows[1:]} == {"Maple Street Elementary School"}
    riverside = district["riverside"].pk
    rows = csv_rows(
        maple_principal.get(f"/admin/completion/staff/?export=csv&location={riverside}")
    )
    assert {row[3] for row in rows[1:]} <= {"Maple Street Elementary School"}


@pytest.mark.parametrize("extra_staff", [0, 60])
def test_dashboard_and_report_queries_do_not_grow_with_staff(
    district_admin, district, cycle, django_assert_max_num_queries, extra_staff, django_user_model
):
    from staff.models import Assignment, AssignmentAdjustment

    hr = django_user_model.objects.create_user("hr@district.example")
    for n in range(extra_staff):
        staff = add_staff(100 + n, district["maple"], "Teacher", cycle, completed=n % 3 == 0)
        # Extensions and exemptions are read with each row, never one query per person.
        if n % 3:
            AssignmentAdjustment.objects.create(
                assignment=Assignment.objects.get(staff=staff),
                kind="exemption" if n % 3 == 1 else "extension",
                due_on=None if n % 3 == 1 else date(2027, 1, 15),
                reason="Leave",
                made_by=hr,
            )
    # The dashboard's figures come from one grouped query (11 in all with the admin's own).
    # Each budget has one query more for the session's second-factor device (django-otp).
    with django_assert_max_num_queries(13):
        assert district_admin.get(f"/admin/completion/?cycle={cycle.pk}").status_code == 200
    with django_assert_max_num_queries(23):
        assert district_admin.get("/admin/completion/staff/").status_code == 200
    with django_assert_max_num_queries(23):
        assert district_admin.get("/admin/completion/staff/?status=exempt").status_code == 200
    with django_assert_max_num_queries(13):
        remind = district_admin.get("/admin/completion/staff/remind/?scope=filtered")
        assert remind.status_code == 200
    assert TrainingCycle.objects.count() == 1


def test_report_rows_link_to_the_persons_record(district_admin, district):
    person = Staff.objects.get(employee_id="E001")
    html = district_admin.get("/admin/completion/staff/").content.decode()
    assert f"/admin/completion/person/{person.pk}/" in html
    record = district_admin.get(f"/admin/completion/person/{person.pk}/").content.decode()
    assert "2026-2027" in record and "Completed" in record


def test_location_administrators_are_assigned_in_the_admin(maple_principal, django_user_model):
    from django.test import Client

    root = django_user_model.objects.create_superuser("root@district.example", password="pw")
    client = Client()
    login_verified(client, root)
    response = client.get("/admin/snippets/staff/locationaccess/")
    assert response.status_code == 200
    assert "principal@district.example" in response.content.decode()


@pytest.mark.parametrize("cycle_param", ["%C2%B2", "%D9%A3", "9" * 5000, "-1"])
def test_h11_a_cycle_given_as_unicode_digits_or_a_huge_number_shows_the_current_cycle(
    district_admin, district, cycle_param
):
    for url in ("/admin/completion/", "/admin/completion/staff/"):
        response = district_admin.get(f"{url}?cycle={cycle_param}")
        assert response.status_code == 200, url
    export = district_admin.get(f"/admin/completion/staff/?cycle={cycle_param}&export=csv")
    assert export.status_code == 200
