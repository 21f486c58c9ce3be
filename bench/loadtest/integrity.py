"""After the load: does the database say exactly what the learners did? Compares the client's
ledger (what each simulated learner sent and saw) with the rows, and looks for half-written or
orphaned records. Used by run.py after gunicorn has stopped."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


def baseline() -> dict:
    """What the seeding wrote, so the check can tell it from what the load wrote."""
    from django.db.models import Max

    from certificates.models import Certificate
    from quizzes.models import Attempt

    return {
        "max_attempt_id": Attempt.objects.aggregate(m=Max("pk"))["m"] or 0,
        "seeded_attempts": Attempt.objects.count(),
        "seeded_certificates": Certificate.objects.count(),
    }


def read_ledgers(paths: list[Path]) -> list[dict]:
    events = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                events.append(json.loads(line))
    return events


def check(*, before: dict, ledgers: list[Path], client_counts: dict) -> dict:
    """Every check as a line; `ok` is False if any of them failed."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Exists, F, OuterRef, Q

    from certificates.models import Acknowledgement, Certificate
    from quizzes.models import Attempt, AttemptQuestion
    from staff.models import Assignment, Staff
    from training.models import SectionProgress
    from training.selectors import course_sections

    lines: list[str] = []
    failed: list[str] = []

    def verdict(good: bool, text: str) -> None:
        lines.append(("ok    " if good else "FAIL  ") + text)
        if not good:
            failed.append(text)

    def note(text: str) -> None:
        lines.append("note  " + text)

    events = read_ledgers(ledgers)
    by_kind: dict[str, list[dict]] = {}
    for event in events:
        by_kind.setdefault(event["e"], []).append(event)
    User = get_user_model()
    usernames = dict(User.objects.values_list("pk", "username"))

    # --- quiz attempts ---------------------------------------------------------------------------
    new = Attempt.objects.filter(pk__gt=before["max_attempt_id"])
    submitted = {
        a.pk: (usernames[a.user_id], a.passed) for a in new.filter(submitted_at__isnull=False)
    }
    open_ids = set(new.filter(submitted_at__isnull=True).values_list("pk", flat=True))
    sent = {e["attempt"] for e in by_kind.get("submit_sent", [])}
    ok_events = by_kind.get("submit_ok", [])
    seen_ok = {e["attempt"]: (e["user"], e["pass"]) for e in ok_events}
    shown = {e["attempt"] for e in by_kind.get("quiz_page", [])}
    client_ok = client_counts.get("quiz submit", 0)

    verdict(
        len(submitted) == client_ok == len(seen_ok),
        f"quiz submissions: Locust counted {client_ok} successful, the learners' ledger "
        f"{len(seen_ok)}, the database has {len(submitted)} new submitted attempts",
    )
    duplicates = [a for a, n in Counter(e["attempt"] for e in ok_events).items() if n > 1]
    verdict(
        not duplicates, f"no attempt submitted successfully twice by the client ({duplicates[:5]})"
    )
    missing = sorted(set(seen_ok) - set(submitted))
    verdict(
        not missing, f"every submission the client saw succeed is recorded (missing: {missing[:5]})"
    )
    wrong = sorted(a for a, value in seen_ok.items() if a in submitted and submitted[a] != value)
    verdict(
        not wrong,
        "each recorded attempt has the learner and pass/fail the client expected "
        f"(wrong: {wrong[:5]})",
    )
    extra = set(submitted) - set(seen_ok)
    unexplained = sorted(extra - sent)
    verdict(not unexplained, f"no submitted attempt that nobody sent ({unexplained[:5]})")
    if extra & sent:
        note(
            f"{len(extra & sent)} submissions recorded although the client saw an error or was "
            "stopped before the answer"
        )
    verdict(
        open_ids <= shown - set(seen_ok),
        f"{len(open_ids)} attempts left open, each one whose quiz page was shown and not submitted "
        f"when its step ended (unexplained: {sorted(open_ids - shown)[:5]})",
    )
    open_twice = (
        Attempt.objects.filter(submitted_at__isnull=True)
        .values("user", "quiz")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    verdict(open_twice == 0, f"at most one open attempt per learner and quiz ({open_twice} over)")
    passed_twice = (
        Attempt.objects.filter(passed=True)
        .values("user", "quiz")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    verdict(passed_twice == 0, f"no quiz passed twice by the same learner ({passed_twice})")
    numbers = (
        Attempt.objects.values("user", "quiz", "number").annotate(n=Count("pk")).filter(n__gt=1)
    )
    verdict(not numbers.exists(), "no two attempts with the same learner, quiz and number")

    attempts = Attempt.objects.annotate(
        n_items=Count("items"),
        graded=Count("items", filter=Q(items__selected_choice_ids__isnull=False)),
        marked=Count("items", filter=Q(items__is_correct__isnull=False)),
        right=Count("items", filter=Q(items__is_correct=True)),
    )
    short = sum(1 for a in attempts if a.n_items != a.question_count)
    half_graded = sum(
        1
        for a in attempts
        if (a.submitted_at is not None and (a.graded != a.n_items or a.marked != a.n_items))
        or (a.submitted_at is None and (a.graded or a.marked))
    )
    miscounted = sum(
        1 for a in attempts if a.submitted_at is not None and a.right != a.correct_count
    )
    total_attempts = len(attempts)
    verdict(
        short == 0,
        f"every attempt ({total_attempts}, {before['seeded_attempts']} of them seeded) has "
        f"exactly its question_count questions ({short} do not)",
    )
    verdict(
        half_graded == 0,
        f"no attempt half graded: submitted ones answered and marked on every question, open "
        f"ones on none ({half_graded})",
    )
    verdict(miscounted == 0, f"correct_count equals the questions marked right ({miscounted})")

    double_pages = by_kind.get("double_quiz_page", [])
    split = [e["attempts"] for e in double_pages if len(set(e["attempts"])) != 1]
    verdict(
        not split,
        f"a quiz page opened twice at once shows one attempt ({len(double_pages)} double "
        f"clicks, {len(split)} showed two attempts: {split[:5]})",
    )
    double_submits = by_kind.get("double_submit", [])
    refused = [e["attempt"] for e in double_submits if not all(e["ok"])]
    verdict(
        not refused,
        f"a quiz submitted twice at once is recorded once and both answers show its result "
        f"({len(double_submits)} double clicks, {len(refused)} refused: {refused[:5]})",
    )

    # --- acknowledgements and certificates -----------------------------------------------------
    certificates = Certificate.objects.count()
    acknowledgements = Acknowledgement.objects.count()
    completed = Assignment.objects.filter(completed_at__isnull=False).count()
    client_signed = client_counts.get("sign", 0)
    signed = {e["user"]: e["code"] for e in by_kind.get("sign_ok", [])}
    verdict(
        certificates == acknowledgements == completed == client_signed == len(signed),
        f"signatures: Locust counted {client_signed} successful, ledger {len(signed)}; database "
        f"{acknowledgements} acknowledgements, {certificates} certificates, {completed} "
        "completed assignments",
    )
    codes = dict(Certificate.objects.values_list("acknowledgement__staff__user__username", "code"))
    verdict(
        all(codes.get(user) == code for user, code in signed.items()),
        "every certificate the client was shown belongs to that learner",
    )
    verdict(
        set(codes) <= {e["user"] for e in by_kind.get("sign_sent", [])},
        "no certificate for a learner who did not sign",
    )
    mismatched = Certificate.objects.exclude(
        acknowledgement__assignment_id=F("assignment_id")
    ).count()
    verdict(
        mismatched == 0,
        f"each certificate's acknowledgement is for the same assignment ({mismatched})",
    )
    no_certificate = Assignment.objects.filter(
        completed_at__isnull=False, certificates__isnull=True
    ).count()
    not_completed = Assignment.objects.filter(
        completed_at__isnull=True, certificates__isnull=False
    ).count()
    verdict(
        no_certificate == 0 and not_completed == 0,
        f"one certificate per completed assignment ({no_certificate} completed without, "
        f"{not_completed} certificates on an open assignment)",
    )
    per_assignment = (
        Certificate.objects.values("assignment").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    verdict(per_assignment == 0, "never two certificates for one assignment")
    sections = course_sections(course=_course())
    unqualified = [
        c.code
        for c in Certificate.objects.select_related("acknowledgement__staff")
        if Attempt.objects.filter(user_id=c.acknowledgement.staff.user_id, passed=True)
        .values("quiz")
        .distinct()
        .count()
        != len(sections)
    ]
    verdict(
        not unqualified,
        f"every certificate holder passed all {len(sections)} quizzes ({unqualified[:5]})",
    )
    double_signs = by_kind.get("double_sign", [])
    split = [e["codes"] for e in double_signs if len(set(e["codes"])) != 1 or None in e["codes"]]
    verdict(
        not split,
        f"an acknowledgement signed twice at once gives one certificate ({len(double_signs)} "
        f"double clicks, {len(split)} split: {split[:5]})",
    )
    downloaded = {e["code"] for e in by_kind.get("pdf_ok", [])}
    stored = {
        c.code
        for c in Certificate.objects.filter(code__in=downloaded).exclude(pdf="")
        if c.pdf.storage.exists(c.pdf.name)
    }
    verdict(
        stored == downloaded,
        f"every downloaded certificate has its PDF stored ({len(stored)} of {len(downloaded)})",
    )

    # --- orphans ---------------------------------------------------------------------------------
    orphans = {
        "attempt questions without an attempt": AttemptQuestion.objects.filter(
            ~Exists(Attempt.objects.filter(pk=OuterRef("attempt_id")))
        ).count(),
        "certificates without an acknowledgement": Certificate.objects.filter(
            ~Exists(Acknowledgement.objects.filter(pk=OuterRef("acknowledgement_id")))
        ).count(),
        "acknowledgements without a certificate": Acknowledgement.objects.filter(
            ~Exists(Certificate.objects.filter(acknowledgement_id=OuterRef("pk")))
        ).count(),
        "acknowledgements by someone else than the assignment's staff": (
            Acknowledgement.objects.exclude(staff_id=F("assignment__staff_id")).count()
        ),
        "attempts by accounts not on the roster": Attempt.objects.filter(
            ~Exists(Staff.objects.filter(user_id=OuterRef("user_id")))
        ).count(),
        "active staff without an assignment this cycle": Staff.objects.filter(is_active=True)
        .exclude(assignments__cycle__name=_cycle_name())
        .count(),
    }
    slide_counts = {s.pk: s.slide_count for s in sections}
    orphans["reading progress past a section's last slide"] = sum(
        1
        for p in SectionProgress.objects.only("section_id", "furthest_slide")
        if p.furthest_slide > slide_counts.get(p.section_id, 0)
    )
    for label, count in orphans.items():
        verdict(count == 0, f"no {label} ({count})")

    from django.apps import apps

    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        note(f"{DBTaskResult.objects.count()} background tasks queued (no worker ran)")
    return {"ok": not failed, "failed": failed, "lines": lines}


def F(name: str):
    from django.db.models import F

    return F(name)


def _course():
    from training.models import CoursePage

    return CoursePage.objects.live().order_by("path").first()


def _cycle_name() -> str:
    from staff.services import cycle_current

    return cycle_current().name
