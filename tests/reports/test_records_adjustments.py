"""The records archive of a cycle keeps its extensions and exemptions: who, when, what, why."""

import json
from datetime import date

from django.core.management import call_command

from staff.models import Assignment
from staff.services import assignment_exempt, assignment_extend
from tests.conftest import make_user


def test_the_archive_holds_every_extension_and_exemption_with_its_reason(
    district, cycle, tmp_path, frozen_today
):
    hr = make_user("hr@district.example")
    e003 = Assignment.objects.get(staff__employee_id="E003")
    assignment_exempt(assignment_id=e003.pk, reason="Long-term leave", by=hr)
    assignment_extend(assignment_id=e003.pk, due_on=date(2027, 3, 1), reason="Back", by=hr)
    out = tmp_path / "records"
    call_command("export_records", cycle=cycle.name, output=out, verbosity=0)
    rows = json.loads((out / "adjustments.json").read_text(encoding="utf-8"))
    assert [
        (r["employee_id"], r["kind"], r["due_on"], r["reason"], r["made_by"]) for r in rows
    ] == [
        ("E003", "exemption", None, "Long-term leave", "hr@district.example"),
        ("E003", "extension", "2027-03-01", "Back", "hr@district.example"),
    ]
    assert (out / "adjustments.csv").read_text().startswith("employee_id,kind,due_on,reason")
    assert "adjustments.json" in (out / "SHA256SUMS").read_text()
