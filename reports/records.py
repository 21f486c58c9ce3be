"""The compliance records of one training cycle as an archive for records retention: every
assignment, due-date extension and exemption, quiz attempt, acknowledgement and certificate,
as JSON and as CSV, with a SHA-256 checksum of each file in a manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder

from certificates.models import Acknowledgement, Certificate
from eupsite.district_time import iso_text
from eupsite.files import neutralise_formula
from quizzes.models import Attempt
from staff.models import Assignment, AssignmentAdjustment, TrainingCycle
from training.models import CourseTranslation


def cycle_records(*, cycle: TrainingCycle) -> dict[str, list[dict]]:
    """Plain rows for each kind of record of the cycle, in a stable order. Moments are written
    in the district's time zone with its offset (2026-12-13T23:30:00-05:00), so the day a
    reader sees is the district's day and the instant stays exact."""
    assignments = (
        Assignment.objects.filter(cycle=cycle)
        .select_related("staff__location", "course")
        .order_by("staff__employee_id", "course__path")
    )
    # Each record belongs to the cycle through its assignment, never by its date.
    attempts = (
        Attempt.objects.filter(assignment__cycle=cycle)
        .select_related("quiz__section", "assignment__staff", "assignment__course")
        .order_by("assignment__staff__employee_id", "quiz__section__path", "number")
    )
    translation_numbers = dict(CourseTranslation.objects.values_list("pk", "number"))
    return {
        "assignments": [
            {
                "employee_id": a.staff.employee_id,
                "name": a.staff.full_name,
                "location": a.staff.location.name,
                "job_title": a.staff.job_title,
                "course": a.course.title,
                "kind": a.kind,
                "due_on": a.due_on,
                "completed_at": iso_text(a.completed_at),
            }
            for a in assignments
        ],
        # Who extended a due date or exempted someone, when and why, oldest first.
        "adjustments": [
            {
                "employee_id": a.assignment.staff.employee_id,
                "kind": a.kind,
                "due_on": a.due_on,
                "reason": a.reason,
                "made_by": a.made_by.username,
                "made_at": a.made_at,
            }
            for a in AssignmentAdjustment.objects.filter(assignment__cycle=cycle)
            .select_related("assignment__staff", "made_by")
            .order_by("assignment__staff__employee_id", "pk")
        ],
        "attempts": [
            {
                "employee_id": a.assignment.staff.employee_id,
                "course": a.assignment.course.title,
                "section": a.quiz.section.title,
                "number": a.number,
                "kind": a.kind,
                "started_at": iso_text(a.started_at),
                "submitted_at": iso_text(a.submitted_at),
                "questions": a.question_count,
                "correct": a.correct_count,
                "score": a.score,
                "passed": a.passed,
                "pass_mark": a.pass_mark,
                "language": a.language,
            }
            for a in attempts
        ],
        # Time on each section's slides, counted on the server from the slides viewed.
        "time_on_task": _time_on_task_rows(cycle=cycle, assignments=assignments),
        "acknowledgements": [
            {
                "employee_id": a.staff.employee_id,
                "course": a.assignment.course.title,
                "typed_name": a.typed_name,
                "signed_at": iso_text(a.signed_at),
                "text_sha256": a.text_sha256,
                "policy_version": a.policy_version.number if a.policy_version else None,
                "policy_version_effective_on": (
                    a.policy_version.effective_on if a.policy_version else None
                ),
                "course_revision": a.course_revision,
                "ip_address": a.ip_address,
                "user_agent": a.user_agent,
                "language": a.language,
                # The version of the translation the signer read beside the English; empty
                # when they read the English alone.
                "translation_version": translation_numbers.get(a.translation_id),
            }
            for a in Acknowledgement.objects.filter(assignment__cycle=cycle)
            .select_related("staff", "policy_version", "assignment__course")
            .order_by("staff__employee_id", "signed_at")
        ],
        "certificates": [
            {
                "code": c.code,
                "employee_id": c.employee_id,
                "holder_name": c.holder_name,
                "location": c.location_name,
                "course": c.course_title,
                "completed_on": c.completed_on,
                "expires_on": c.expires_on,
                "revoked_at": iso_text(c.revoked_at),
                "revoked_reason": c.revoked_reason,
            }
            for c in Certificate.objects.filter(assignment__cycle=cycle).order_by("employee_id")
        ],
    }


def _time_on_task_rows(*, cycle: TrainingCycle, assignments) -> list[dict]:
    from training.models import SectionPage
    from training.selectors import time_on_task

    by_id = {a.pk: a for a in assignments}
    seconds = time_on_task(assignment_ids=list(by_id))
    sections = {s.pk: s for s in SectionPage.objects.filter(pk__in={pk for _a, pk in seconds})}
    rows = [
        {
            "employee_id": by_id[assignment_id].staff.employee_id,
            "course": by_id[assignment_id].course.title,
            "section": sections[section_id].title,
            "seconds": total,
            "_order": (by_id[assignment_id].staff.employee_id, sections[section_id].path),
        }
        for (assignment_id, section_id), total in seconds.items()
    ]
    rows.sort(key=lambda row: row["_order"])
    for row in rows:
        del row["_order"]
    return rows


def _csv_bytes(rows: list[dict]) -> bytes:
    """The rows as CSV for a spreadsheet: cells that would run as formulas (a signer's browser
    string, a roster name) are neutralised. The JSON files keep every value exactly."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else neutralise_formula(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


def records_archive_for(prepared) -> tuple[bytes, int]:
    """The prepared file of kind RECORDS_ARCHIVE: a cycle's records, one folder in a ZIP."""
    files, count = records_files(cycle=prepared.cycle)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"records-{prepared.cycle.name}/{name}", data)
    return buffer.getvalue(), count


def records_files(*, cycle: TrainingCycle) -> tuple[dict[str, bytes], int]:
    """{file name: contents}: <kind>.json and <kind>.csv for each kind of record, and
    SHA256SUMS; and how many records there are in all."""
    files, count = {}, 0
    for kind, rows in cycle_records(cycle=cycle).items():
        count += len(rows)
        files[f"{kind}.json"] = json.dumps(
            rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1
        ).encode("utf-8")
        files[f"{kind}.csv"] = _csv_bytes(rows)
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode("utf-8")
    return files, count


def records_export(*, cycle: TrainingCycle, output: Path) -> list[str]:
    """Write the cycle's record files into the folder `output`. Returns the names of the record
    files (SHA256SUMS besides)."""
    output.mkdir(parents=True, exist_ok=True)
    files, _ = records_files(cycle=cycle)
    for name, data in files.items():
        (output / name).write_bytes(data)
    return [name for name in files if name != "SHA256SUMS"]
