"""HR imports the district's OneRoster 1.2 export in chromium, as the demo HR account (not a
superuser), without the command line: upload the zip on the same Import roster screen as HR's
CSV, read the preview (the students it ignores, the new locations), apply it, and read what
the import did. Set SCREENSHOT_DIR to keep a screenshot of each page."""

from playwright.sync_api import expect

from staff.models import Location, RosterChange, RosterImport, Staff
from tests.staff.test_oneroster_import import sample_files, zipped

from .conftest import serious_axe_violations
from .test_admin_menus_e2e import sign_in
from .test_hr_import_e2e import demo_site, shot  # noqa: F401 (demo_site is a fixture)


def upload(page, files: dict[str, bytes], name: str = "oneroster.zip"):
    page.get_by_label("Roster file").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": zipped(files)}]
    )
    page.get_by_role("button", name="Preview the import").click()


def test_hr_imports_a_oneroster_zip_and_reads_what_it_did(page, live_server, demo_site):  # noqa: F811
    page.set_viewport_size({"width": 1280, "height": 1500})  # the screenshots show the tables
    sign_in(page, live_server, "HR")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Import roster").click()

    # 1. An export in OneRoster 1.1 is refused on the upload page, saying where and why.
    upload(page, sample_files(manifest=[("oneroster.version,1.2", "oneroster.version,1.1")]))
    expect(
        page.get_by_text('manifest.csv, line 3, field value: oneroster.version is "1.1"')
    ).to_be_visible()
    assert not RosterImport.objects.exists()
    shot(page, "oneroster-0-wrong-version")

    # 2. A role naming a user who is not in users.csv: listed with file, line and field, and
    # nothing can be applied.
    upload(page, sample_files(roles=[("u-chen,primary", "u-nobody,primary")]))
    rejected = page.get_by_role("row", name="roles.csv 3 userSourcedId")
    expect(rejected).to_contain_text('no user with sourcedId "u-nobody" in users.csv')
    expect(page.get_by_role("button", name="Apply this import")).to_have_count(0)
    shot(page, "oneroster-0-rejected-record")
    page.get_by_role("link", name="Upload a file").click()

    # 3. The export as it should be.
    upload(page, sample_files(), name="oneroster-2026-08-01.zip")

    # The preview: nine staff, the students and the guardian ignored and counted.
    expect(page.get_by_role("heading", name="Roster preview")).to_be_visible()
    summary = page.locator(".roster-summary")
    expect(summary).to_contain_text("9 new")
    expect(summary).to_contain_text("0 rejected")
    ignored = page.locator(".oneroster-ignored")
    expect(ignored.get_by_role("heading")).to_have_text(
        "Left out of the OneRoster 1.2 (bulk) bundle"
    )
    expect(ignored).to_contain_text(
        "5 students, guardians and parents ignored (only staff are imported)"
    )
    expect(ignored).to_contain_text("1 person marked tobedeleted who is not on the roster ignored")
    expect(page.get_by_role("heading", name="2 new locations will be created")).to_be_visible()
    expect(page.locator(".new-locations li")).to_have_text(
        ["Oak Hill Middle School", "Waterbury Public Schools"]
    )
    expect(page.get_by_role("cell", name="Aoife O'Brien-Núñez")).to_be_visible()
    expect(page.get_by_role("row", name="T-5010")).to_contain_text("Raj Patel (inactive)")
    assert not Staff.objects.filter(employee_id__startswith="T-").exists()
    assert serious_axe_violations(page) == []
    shot(page, "oneroster-1-preview")

    # 4. Apply it, and read what it did from its record.
    page.get_by_role("button", name="Apply this import").click()
    expect(page.get_by_role("heading", name="Roster imported")).to_be_visible()
    expect(page.get_by_text("Roster imported.")).to_be_visible()
    summary = page.locator(".roster-summary")
    expect(summary).to_contain_text("9 created")
    expect(summary).to_contain_text("0 rejected rows left out")
    expect(page.locator(".oneroster-ignored")).to_contain_text(
        "5 students, guardians and parents ignored"
    )
    expect(page.locator(".new-locations li")).to_have_text(
        ["Oak Hill Middle School", "Waterbury Public Schools"]
    )
    expect(page.get_by_role("cell", name="Lan Nguyễn Thị")).to_be_visible()
    expect(page.get_by_text("by Harriet Ramos")).to_be_visible()
    assert serious_axe_violations(page) == []
    shot(page, "oneroster-2-imported")

    record = RosterImport.objects.get(filename="oneroster-2026-08-01.zip")
    assert RosterImport.objects.filter(applied_at__isnull=False).get() == record
    assert record.summary["students_ignored"] == 5
    assert RosterChange.objects.filter(roster_import=record, action="created").count() == 9
    assert dict(
        Staff.objects.filter(employee_id__in=["T-5004", "T-5007"]).values_list(
            "employee_id", "job_title"
        )
    ) == {"T-5004": "District administrator", "T-5007": "Principal"}
    assert Location.objects.filter(name="Oak Hill Middle School").exists()
