import io
import zipfile

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from staff.groups import DISTRICT
from staff.services import cycle_open
from tests.conftest import make_user
from tests.helpers import authenticator_give, run_tasks

from .conftest import pass_second_factor, serious_axe_violations

PASSWORD = "district-password-1"


def test_an_administrator_asks_for_a_records_archive_and_downloads_it_when_ready(
    page, live_server, live_course
):
    cycle, _ = cycle_open(year=2026)
    hr = make_user("hr@district.example", password=PASSWORD)
    hr.groups.add(Group.objects.get(name=DISTRICT))

    authenticator_give(hr)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", hr.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    pass_second_factor(page, hr.username)
    expect(page.get_by_text("Training completion,")).to_be_visible()

    page.goto(f"{live_server.url}/admin/downloads/")
    archive_form = page.locator("section", has=page.get_by_role("heading", name="Records archive"))
    archive_form.get_by_label("Cycle").select_option(label=str(cycle))
    archive_form.get_by_role("button", name="Prepare").press("Enter")
    expect(page.get_by_text(f"Preparing records-{cycle.name}.zip")).to_be_visible()
    expect(page.get_by_role("cell", name="Waiting")).to_be_visible()
    page.wait_for_timeout(1000)  # Wagtail's message fades in; axe would measure it half-faded
    assert serious_axe_violations(page) == []

    run_tasks()  # what the worker does meanwhile
    page.get_by_role("link", name="Refresh the list").click()
    link = page.get_by_role("link", name=f"records-{cycle.name}.zip")
    with page.expect_download() as download_info:
        link.press("Enter")
    archive = zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read()))
    assert f"records-{cycle.name}/SHA256SUMS" in archive.namelist()
