import csv
import io
import re

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from staff.models import LocationAccess, Staff
from tests.conftest import make_user
from tests.helpers import authenticator_give

from .conftest import pass_second_factor, serious_axe_violations

PASSWORD = "principal-password-1"


def test_a_location_administrator_filters_and_exports_only_their_staff(
    page, live_server, live_course
):
    from eupsite.demo import demo_staff_ensure

    demo_staff_ensure()
    principal = make_user("principal@district.example", password=PASSWORD)
    principal.groups.add(Group.objects.get(name="Location administrators"))
    maple = Staff.objects.get(employee_id="D-1001").location
    LocationAccess.objects.create(user=principal, location=maple)
    riverside_person = Staff.objects.get(employee_id="D-2001")

    authenticator_give(principal)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", principal.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    pass_second_factor(page, principal.username)
    expect(page.get_by_text("Training completion,")).to_be_visible()

    page.goto(f"{live_server.url}/admin/completion/")
    expect(page.get_by_role("heading", name="Training completion").first).to_be_visible()
    assert "Riverside High School" not in page.content()
    assert serious_axe_violations(page) == []

    page.goto(f"{live_server.url}/admin/completion/staff/")
    expect(page.get_by_text("D-1001")).to_be_visible()
    assert "D-2001" not in page.content()
    # Filter through the report's own filter form.
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Name or employee id").click()
    page.get_by_label("Name or employee id").fill("Carter")
    page.get_by_label("Name or employee id").press("Enter")
    expect(page).to_have_url(re.compile(r"q=Carter"))
    expect(page.get_by_text("D-1001")).to_have_count(0)
    expect(page.get_by_text("D-1002")).to_be_visible()

    with page.expect_download() as download_info:
        page.evaluate("window.location.href = window.location.href + '&export=csv'")
    text = open(download_info.value.path(), encoding="utf-8").read()
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[2] for row in rows[1:]] == ["D-1002"]

    page.problems.allow_status(f"/admin/completion/person/{riverside_person.pk}/", 404)
    response = page.goto(f"{live_server.url}/admin/completion/person/{riverside_person.pk}/")
    assert response.status == 404
    assert re.search(r"Page not found|not found", page.content(), re.I)
