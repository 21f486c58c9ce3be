"""Seed the load test's district through the project's own services: the course, an HR roster of
a few thousand staff at about twenty schools (imported with roster_plan/roster_apply, as an
upload would be), the current training cycle with everyone's assignment, activated accounts with
one known password, district administrators, and some staff who have already passed every
section but the last (so that signing and certificates are exercised within a short run).

Imported by run.py after django.setup(); writes nothing outside the database it is pointed at.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

SCHOOLS = [
    "Maple Street Elementary School",
    "Riverside High School",
    "Bunker Hill Elementary School",
    "Chase Elementary School",
    "Crosby High School",
    "Driggs Elementary School",
    "Duggan Elementary School",
    "Generali Elementary School",
    "Hopeville Elementary School",
    "Kennedy High School",
    "Kingsbury Elementary School",
    "North End Middle School",
    "Rotella Interdistrict Magnet School",
    "Sprague Elementary School",
    "Tinker Elementary School",
    "Wallace Middle School",
    "West Side Middle School",
    "Wilby High School",
    "Central Office",
    "Transportation and Facilities",
]
JOB_TITLES = [
    ("Teacher", 55),
    ("Paraprofessional", 15),
    ("School Counselor", 4),
    ("Principal", 2),
    ("Custodian", 8),
    ("Secretary", 6),
    ("Nurse", 3),
    ("Bus Driver", 7),
]
FIRST_NAMES = ["María", "Jamal", "Zoë", "Sean", "Aisha", "Chloé", "Li", "Mateo", "Siobhán", "Ana"]
LAST_NAMES = ["O'Neil-Núñez", "Carter", "Lefèvre-Smith", "D'Amico", "Nguyen", "Kowalski", "Okafor"]
# The administrators' authenticator key (hex, as django-otp stores it): the runner computes
# their second-factor codes from it.
ADMIN_TOTP_KEY = "3132333435363738393031323334353637383930"
# A share of the roster hired inside the cycle: onboarding, due 30 days after the hire date.
NEW_HIRE_SHARE = 0.08


def roster_csv(*, staff: int, locations: int, cycle_start: date, today: date) -> bytes:
    """HR's roster file for `staff` people at the first `locations` schools."""
    rng = random.Random(2026)
    titles = [title for title, weight in JOB_TITLES for _ in range(weight)]
    lines = ["employee_id,first_name,last_name,email,location,job_title,hire_date,active"]
    new_hire_days = max((today - cycle_start).days, 1)
    for n in range(staff):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = f"{LAST_NAMES[n % len(LAST_NAMES)]}{n:04d}"
        if rng.random() < NEW_HIRE_SHARE:
            hired = cycle_start + timedelta(days=rng.randrange(new_hire_days))
        else:
            hired = date(1995, 1, 1) + timedelta(days=rng.randrange(365 * 30))
        lines.append(
            f"L{n:05d},{first},{last},staff{n:04d}@district.example,"
            f"{SCHOOLS[n % locations]},{rng.choice(titles)},{hired:%Y-%m-%d},yes"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def seed(
    *,
    staff: int,
    locations: int,
    finishers: int,
    admins: int,
    password: str,
    admin_password: str,
    log=print,
) -> dict:
    """Fill an empty, migrated database and return what the locustfile needs (accounts,
    sections, the answer key). Raises RuntimeError if the database is not empty."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from staff.groups import DISTRICT
    from staff.models import Assignment, Staff
    from staff.roster import roster_plan
    from staff.services import cycle_dates_for_year, cycle_open, roster_apply

    User = get_user_model()
    if Staff.objects.exists():
        raise RuntimeError("the load test database is not empty")
    if locations > len(SCHOOLS):
        raise RuntimeError(f"at most {len(SCHOOLS)} locations")

    started = time.perf_counter()
    call_command("load_course", verbosity=0)
    log(f"  course loaded ({time.perf_counter() - started:.1f} s)")

    today = timezone.localdate()
    year = today.year if today >= cycle_dates_for_year(today.year)["starts_on"] else today.year - 1
    cycle, _ = cycle_open(year=year)

    t0 = time.perf_counter()
    data = roster_csv(staff=staff, locations=locations, cycle_start=cycle.starts_on, today=today)
    plan = roster_plan(data)
    if plan.rejected:
        raise RuntimeError(f"generated roster rejected: {plan.rejected[:3]}")
    summary = roster_apply(plan=plan).summary()
    log(
        f"  roster imported: {summary}, {Assignment.objects.filter(cycle=cycle).count()} "
        f"assignments in {cycle.name} ({time.perf_counter() - t0:.1f} s)"
    )

    # What accepting the invitation does for each person (set a password, activate the account),
    # in one statement: a single PBKDF2 hash computed once, because 2,000 hashes at the
    # production work factor would take minutes.
    t0 = time.perf_counter()
    learner_hash = make_password(password)
    activated = User.objects.filter(staff__isnull=False).update(
        is_active=True, password=learner_hash
    )
    group = Group.objects.get(name=DISTRICT)
    admin_hash = make_password(admin_password)
    admin_names = []
    with transaction.atomic():
        for n in range(1, admins + 1):
            user = User.objects.create(
                username=f"district.admin{n}@district.example",
                email=f"district.admin{n}@district.example",
                first_name="District",
                last_name=f"Administrator {n}",
                password=admin_hash,
            )
            user.groups.add(group)
            # Administrators pass the second factor after their password: each has an
            # authenticator with the load test's known key (the runner computes its codes).
            TOTPDevice.objects.create(
                user=user, name="Load test authenticator", key=ADMIN_TOTP_KEY, confirmed=True
            )
            admin_names.append(user.username)
    elapsed = time.perf_counter() - t0
    log(f"  {activated} accounts activated, {admins} district administrators ({elapsed:.1f} s)")

    sections = _sections()
    people = list(
        Staff.objects.filter(is_active=True)
        .select_related("user")
        .order_by("employee_id")
        .only("employee_id", "first_name", "last_name", "user__username")
    )
    # Spread the nearly-done staff over the roster (every k-th person).
    step = max(len(people) // max(finishers, 1), 1)
    finisher_people = people[::step][:finishers]
    finisher_ids = {p.pk for p in finisher_people}
    learner_people = [p for p in people if p.pk not in finisher_ids]

    t0 = time.perf_counter()
    for n, person in enumerate(finisher_people, start=1):
        for section in sections[:-1]:
            _pass_section(person.user, section)
        if n % 25 == 0 or n == len(finisher_people):
            log(
                f"  {n}/{len(finisher_people)} staff through {len(sections) - 1} sections "
                f"({time.perf_counter() - t0:.1f} s)"
            )

    def account(person):
        return {"username": person.user.username, "name": person.full_name}

    return {
        "cycle": cycle.name,
        "password": password,
        "admin_password": admin_password,
        "admins": admin_names,
        "admin_totp_key": ADMIN_TOTP_KEY,
        "learners": [account(p) for p in learner_people],
        "finishers": [account(p) for p in finisher_people],
        "sections": [_section_data(s) for s in sections],
        "staff_count": len(people),
    }


def _sections():
    from training.models import CoursePage
    from training.selectors import course_sections

    course = CoursePage.objects.live().order_by("path").first()
    return course_sections(course=course)


def _pass_section(user, section) -> None:
    """Read every slide and pass the quiz with the services the pages call (the tests' own
    helper): the seeded records are exactly what the site itself writes."""
    from tests.helpers import pass_section

    if not pass_section(user, section).passed:
        raise RuntimeError(f"seeding: {user} did not pass {section.title}")


def _section_data(section) -> dict:
    """A section as the load client needs it: its address, slide count, quiz and answer key
    (prompt -> the texts of the correct and wrong choices). The quiz page shows only texts;
    grading stays on the server."""
    from urllib.parse import urlsplit

    from quizzes.models import Quiz

    quiz = Quiz.objects.get(section=section)
    key = {}
    for question in quiz.questions.filter(is_active=True).prefetch_related("choices"):
        scenario = getattr(question.get_real_instance(), "scenario", "")
        name = question_key(scenario, question.prompt)
        if name in key:
            raise RuntimeError(f"two questions read the same in {section.title}: {name}")
        choices = list(question.choices.all())
        texts = [c.text for c in choices]
        if len(set(texts)) != len(texts):
            raise RuntimeError(f"two choices read the same in {section.title}: {texts}")
        key[name] = {
            "correct": [c.text for c in choices if c.is_correct],
            "wrong": [c.text for c in choices if not c.is_correct],
        }
    return {
        "id": section.pk,
        "title": section.title,
        "path": urlsplit(section.url).path,
        "slides": section.slide_count,
        "questions": quiz.questions_per_attempt or len(key),
        "answers": key,
    }


def question_key(scenario: str, prompt: str) -> str:
    """How the load client recognises a question on the quiz page (whitespace-insensitive)."""
    return " ".join(f"{scenario} || {prompt}".split())
