"""The staff search column: names without accents, case-folded, kept in step with the name by
every way a Staff row is written, and filled for existing staff by the migration."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from staff.folding import search_fold
from staff.models import Location, Staff
from staff.roster import roster_plan
from staff.services import roster_apply

HEADER = "employee_id,first_name,last_name,email,location,job_title,hire_date,active\n"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Núñez", "nunez"),
        ("Zoë Lefèvre-Smith", "zoe lefevre-smith"),
        ("D’Amico", "d'amico"),  # a curly apostrophe from a word processor
        ("Straße", "strasse"),
        ("ÇELİK", "celik"),
        ("O'Neil‐Núñez", "o'neil-nunez"),  # a typographic hyphen
    ],
)
def test_folding_drops_accents_case_and_typographic_marks(text, folded):
    assert search_fold(text) == folded


def test_saving_a_staff_member_keeps_the_search_text_in_step(db):
    location = Location.objects.create(name="Maple Street Elementary School")
    staff = Staff.objects.create(
        employee_id="E-77",
        first_name="María",
        last_name="Núñez",
        email="maria@district.example",
        location=location,
        hire_date=date(2020, 1, 1),
    )
    assert Staff.objects.get(pk=staff.pk).search_text == "maria nunez e-77"
    staff.last_name = "Lefèvre"
    staff.save(update_fields=["last_name"])
    assert Staff.objects.get(pk=staff.pk).search_text == "maria lefevre e-77"


def test_a_roster_import_writes_the_search_text_for_new_and_changed_staff(db):
    row = "E1,Zoë,{},zoe@district.example,Riverside High School,Teacher,2020-01-01,yes\n"
    roster_apply(plan=roster_plan((HEADER + row.format("Lefèvre")).encode()))
    assert Staff.objects.get(employee_id="E1").search_text == "zoe lefevre e1"
    roster_apply(plan=roster_plan((HEADER + row.format("Núñez")).encode()))
    assert Staff.objects.get(employee_id="E1").search_text == "zoe nunez e1"


def test_the_migration_fills_the_search_text_of_staff_already_on_the_roster(db):
    location = Location.objects.create(name="Riverside High School")
    Staff.objects.bulk_create(
        [
            Staff(
                employee_id=f"E{n}",
                first_name="Zoë",
                last_name=f"Lefèvre{n}",
                email=f"z{n}@district.example",
                location=location,
                hire_date=date(2020, 1, 1),
            )
            for n in range(3)
        ]
    )
    assert set(Staff.objects.values_list("search_text", flat=True)) == {""}
    migration = import_module("staff.migrations.0004_search_text_and_assignment_adjustments")
    migration.fill_search_text(apps, None)
    assert sorted(Staff.objects.values_list("search_text", flat=True)) == [
        "zoe lefevre0 e0",
        "zoe lefevre1 e1",
        "zoe lefevre2 e2",
    ]
