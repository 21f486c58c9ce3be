"""Opening a school year's cycle from the admin: year, dates (defaulted, editable), preview of
who is assigned what and by when, apply. Same rule as `manage.py open_cycle`; nothing twice."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from staff.cycle_admin import school_year_of
from staff.models import Assignment, Location, Staff, TrainingCycle
from staff.services import cycle_dates_for_year, cycle_open
from tests.conftest import make_user
from tests.helpers import login_verified

OPEN_URL = "/admin/snippets/staff/trainingcycle/add/"
NEXT_YEAR = school_year_of(timezone.localdate()) + 1


@pytest.fixture
def hr_client(db):
    user = make_user("hr@district.example", first_name="Harriet", last_name="Ramos")
    user.groups.add(Group.objects.get(name="HR administrators"))
    client = Client()
    login_verified(client, user)
    return client


def add_staff(employee_id, hire_date, active=True):
    location, _ = Location.objects.get_or_create(name="Riverside High School")
    return Staff.objects.create(
        employee_id=employee_id,
        first_name="Ann",
        last_name="Lee",
        email=f"{employee_id.lower()}@district.example",
        location=location,
        hire_date=hire_date,
        is_active=active,
    )


@pytest.fixture
def district(db):
    """Three long-serving staff, two hired during next year's cycle, one inactive."""
    for n in range(3):
        add_staff(f"E{n}", date(2015, 9, 1))
    add_staff("N1", date(NEXT_YEAR, 7, 5))
    add_staff("N2", date(NEXT_YEAR, 8, 1))
    add_staff("X1", date(2015, 9, 1), active=False)


def dates_form(year=NEXT_YEAR, **changes):
    fields = cycle_dates_for_year(year)
    fields.pop("name")
    data = {"year": str(year)} | {k: str(v) for k, v in fields.items()}
    return data | {k: str(v) for k, v in changes.items()}


def preview(client, **changes):
    return client.post(OPEN_URL, dates_form(**changes) | {"step": "preview"})


def apply(client, **changes):
    return client.post(OPEN_URL, dates_form(**changes) | {"step": "apply"})


def snapshot():
    return sorted(
        Assignment.objects.values_list("staff__employee_id", "cycle__name", "kind", "due_on")
    )


def test_the_cycle_listing_offers_to_open_a_cycle_instead_of_adding_one(hr_client):
    html = hr_client.get("/admin/snippets/staff/trainingcycle/").content.decode()
    assert "Open a new cycle" in html and f'href="{OPEN_URL}"' in html
    assert "Add training cycle" not in html
    page = hr_client.get(OPEN_URL).content.decode()
    assert "<title>Open a new cycle" in page
    # No cycle yet: the current school year is offered first.
    current = NEXT_YEAR - 1
    assert f'<option value="{current}" selected>{current}-{current + 1}</option>' in page


def test_a_cycle_cannot_be_copied_into_one_without_assignments(hr_client, db):
    cycle, _ = cycle_open(year=NEXT_YEAR)
    html = hr_client.get("/admin/snippets/staff/trainingcycle/").content.decode()
    assert f"/admin/snippets/staff/trainingcycle/copy/{cycle.pk}/" not in html
    assert hr_client.get(f"/admin/snippets/staff/trainingcycle/copy/{cycle.pk}/").status_code == 404


def test_the_year_after_the_latest_cycle_is_offered_first(hr_client, db):
    cycle_open(year=NEXT_YEAR)
    page = hr_client.get(OPEN_URL).content.decode()
    assert f'<option value="{NEXT_YEAR + 1}" selected>' in page


def test_a_cycle_opened_weeks_early_still_counts_as_its_school_year(hr_client, db):
    dates = cycle_dates_for_year(NEXT_YEAR)
    cycle_open(year=NEXT_YEAR, starts_on=date(NEXT_YEAR, 6, 1))
    assert TrainingCycle.objects.get().starts_on < dates["starts_on"]
    page = hr_client.get(OPEN_URL).content.decode()
    assert f'<option value="{NEXT_YEAR + 1}" selected>' in page


def test_choosing_a_year_fills_in_its_default_dates(hr_client):
    page = hr_client.get(f"{OPEN_URL}?year={NEXT_YEAR}").content.decode()
    assert f"School year {NEXT_YEAR}-{NEXT_YEAR + 1}" in page
    assert f'name="starts_on" value="{NEXT_YEAR}-07-01"' in page
    assert f'name="ends_on" value="{NEXT_YEAR + 1}-06-30"' in page
    assert f'name="refresher_due_on" value="{NEXT_YEAR}-10-01"' in page
    assert 'name="new_hire_due_days" value="30"' in page


def test_the_preview_counts_refresher_and_onboarding_with_their_due_dates(hr_client, district):
    response = preview(hr_client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "5 people will be assigned" in html
    assert f"<strong>3</strong> annual refresher, due Oct 1, {NEXT_YEAR}" in html
    assert (
        "<strong>2</strong> onboarding (hired during the cycle), due 30 days after their hire "
        f"date (earliest Aug 4, {NEXT_YEAR}, latest Aug 31, {NEXT_YEAR})"
    ) in html
    assert f"Open {NEXT_YEAR}-{NEXT_YEAR + 1} and assign 5 people" in html
    assert not TrainingCycle.objects.exists() and not Assignment.objects.exists()


def test_the_preview_reads_the_same_number_of_queries_for_5_or_40_staff(hr_client, district):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert preview(hr_client).status_code == 200
        return len(queries)

    five = count()
    for n in range(35):
        add_staff(f"M{n}", date(2016, 1, 1))
    assert count() == five


def test_applying_assigns_exactly_what_open_cycle_would(hr_client, district):
    call_command("open_cycle", str(NEXT_YEAR), verbosity=0)
    by_the_command = snapshot()
    Assignment.objects.all().delete()
    TrainingCycle.objects.all().delete()

    response = apply(hr_client)
    cycle = TrainingCycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/snippets/staff/assignment/?cycle={cycle.pk}"
    assert snapshot() == by_the_command
    assert len(by_the_command) == 5
    listing = hr_client.get(response["Location"]).content.decode()
    assert f"{cycle.name} is open: 5 assignments made." in listing


def test_applying_twice_creates_no_second_cycle_and_no_duplicate_assignment(hr_client, district):
    apply(hr_client)
    before = snapshot()
    second = apply(hr_client)
    assert second.status_code == 302
    assert TrainingCycle.objects.count() == 1
    assert snapshot() == before
    listing = hr_client.get(second["Location"]).content.decode()
    assert "every active staff member already has an assignment in it" in listing


def test_edited_dates_are_previewed_and_applied(hr_client, district):
    changes = {"refresher_due_on": date(NEXT_YEAR, 11, 15), "new_hire_due_days": 14}
    html = preview(hr_client, **changes).content.decode()
    assert f"annual refresher, due Nov 15, {NEXT_YEAR}" in html
    assert f"due 14 days after their hire date (earliest Jul 19, {NEXT_YEAR}" in html
    apply(hr_client, **changes)
    cycle = TrainingCycle.objects.get()
    assert (cycle.refresher_due_on, cycle.new_hire_due_days) == (date(NEXT_YEAR, 11, 15), 14)
    n2 = Assignment.objects.get(staff__employee_id="N2")
    assert (n2.kind, n2.due_on) == ("onboarding", date(NEXT_YEAR, 8, 15))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": date(NEXT_YEAR, 6, 1)}, "The cycle must end after it starts."),
        (
            {"refresher_due_on": date(NEXT_YEAR + 2, 1, 1)},
            f"The refresher due date must fall inside the cycle (Jul 1, {NEXT_YEAR} to "
            f"Jun 30, {NEXT_YEAR + 1}).",
        ),
        ({"starts_on": "07/01/20xx"}, "Enter a valid date."),
        ({"new_hire_due_days": 0}, "Ensure this value is greater than or equal to 1."),
        ({"year": 1990}, "Select a valid choice. 1990 is not one of the available choices."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    hr_client, district, changes, message
):
    for response in (preview(hr_client, **changes), apply(hr_client, **changes)):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not TrainingCycle.objects.exists() and not Assignment.objects.exists()


def test_a_cycle_overlapping_another_is_refused_here_and_by_the_command(hr_client, district):
    cycle_open(year=NEXT_YEAR - 1)
    overlapping = {"year": NEXT_YEAR, "starts_on": date(NEXT_YEAR, 6, 1)}
    response = apply(hr_client, **overlapping)
    assert response.status_code == 400
    assert f"These dates overlap the {NEXT_YEAR - 1}-{NEXT_YEAR} cycle" in response.content.decode()
    assert TrainingCycle.objects.count() == 1

    TrainingCycle.objects.filter(name=f"{NEXT_YEAR - 1}-{NEXT_YEAR}").update(
        ends_on=date(NEXT_YEAR, 7, 15)
    )
    with pytest.raises(CommandError, match="overlap"):
        call_command("open_cycle", str(NEXT_YEAR), verbosity=0)
    assert TrainingCycle.objects.count() == 1


def test_opening_an_open_cycle_again_assigns_only_those_missing(hr_client, district):
    cycle, _ = cycle_open(year=NEXT_YEAR)
    add_staff("L1", date(2010, 1, 1))
    add_staff("L2", date(2011, 1, 1))
    page = hr_client.get(f"{OPEN_URL}?year={NEXT_YEAR}").content.decode()
    assert f"{cycle.name} is already open" in page
    html = preview(hr_client, refresher_due_on=date(NEXT_YEAR, 12, 1)).content.decode()
    assert "It is already open, with 5 assignments." in html
    assert "2 people will be assigned" in html
    assert f"due Oct 1, {NEXT_YEAR}" in html  # its own dates, not the ones typed
    apply(hr_client, refresher_due_on=date(NEXT_YEAR, 12, 1))
    assert Assignment.objects.filter(cycle=cycle).count() == 7
    late = Assignment.objects.filter(staff__employee_id__startswith="L")
    assert set(late.values_list("due_on", flat=True)) == {date(NEXT_YEAR, 10, 1)}


def test_nothing_to_assign_offers_no_apply_button(hr_client, district):
    cycle_open(year=NEXT_YEAR)
    html = preview(hr_client).content.decode()
    assert "there is nothing to do" in html and 'value="apply"' not in html


def test_only_those_who_may_open_cycles_reach_the_form(client, district):
    assert client.get(OPEN_URL).status_code == 302  # anonymous: to the sign-in page
    assert "/login/" in client.get(OPEN_URL)["Location"]
    principal = make_user("principal@district.example")
    principal.groups.add(Group.objects.get(name="Location administrators"))
    login_verified(client, principal)
    assert client.get(OPEN_URL)["Location"] == "/admin/"  # Wagtail's "permission denied"
    assert apply(client)["Location"] == "/admin/"
    assert not TrainingCycle.objects.exists()


def test_change_the_dates_goes_back_to_the_form_with_what_was_typed(hr_client, district):
    data = dates_form(refresher_due_on=date(NEXT_YEAR, 11, 15)) | {"step": "edit"}
    response = hr_client.post(OPEN_URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="refresher_due_on" value="{NEXT_YEAR}-11-15"' in html
    assert "Preview who is assigned" in html
    assert not TrainingCycle.objects.exists()
