"""Demo accounts for `make run`: learners, an editor, and one administrator of each kind
(district, HR, principal), none of them superusers, plus one superuser for IT."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from eupsite.permissions import can_use_admin


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    first_name: str
    last_name: str
    is_superuser: bool = False
    group: str | None = None


# Known passwords on purpose: they are printed by `make run` and refused in production.
DEMO_ACCOUNTS = [
    DemoAccount("learner", "learner@example.org", "learn-the-policy", "María", "O'Neil-Núñez"),
    DemoAccount(
        "editor", "editor@example.org", "edit-the-course", "Evan", "Editor", group="Editors"
    ),
    DemoAccount(
        "district administrator",
        "admin@example.org",
        "administer-it",
        "Ada",
        "Admin",
        group="District administrators",
    ),
    DemoAccount(
        "HR", "hr@example.org", "keep-the-roster", "Harriet", "Ramos", group="HR administrators"
    ),
    DemoAccount(
        "principal",
        "principal@example.org",
        "lead-the-school",
        "Pat",
        "Principal",
        group="Location administrators",
    ),
    DemoAccount(
        "IT (superuser)", "it@example.org", "run-the-site", "Ivan", "Tech", is_superuser=True
    ),
]


# The demo administrators' authenticator secret: RFC 6238's own test key ("12345678901234567890"),
# known on purpose, like the demo passwords. Add it to an authenticator app by typing
# DEMO_TOTP_SECRET (load_demo prints it), or let a test compute the code (tests/helpers.py).
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # noqa: S105 (demo only)


@dataclass(frozen=True)
class DemoStaff:
    employee_id: str
    first_name: str
    last_name: str
    email: str  # "" for staff without a work e-mail
    location: str
    job_title: str
    hired_days_ago: int
    password: str | None  # None: has not signed in yet (a custodian given a printed code)
    kind: str  # which kind of learner this is, as make run prints it


DEMO_LOCATIONS = ["Maple Street Elementary School", "Riverside High School"]
PASSWORD = "learn-the-policy"  # noqa: S105 (a demo password, printed by make run)
# The first is the demo learner above; the others are colleagues at the two demo schools. Each
# kind of learner is here: a refresher not yet due, a new hire in their onboarding window, one
# overdue, and a custodian without a work e-mail who signs in with a printed code.
DEMO_STAFF = [
    DemoStaff(
        "D-1001",
        "María",
        "O'Neil-Núñez",
        "learner@example.org",
        DEMO_LOCATIONS[0],
        "Teacher",
        900,
        PASSWORD,
        "annual refresher, not yet due",
    ),
    DemoStaff(
        "D-1002",
        "Jamal",
        "Carter",
        "jamal.carter@example.org",
        DEMO_LOCATIONS[0],
        "Paraprofessional",
        12,
        PASSWORD,
        "new hire, onboarding due 30 days after hire",
    ),
    DemoStaff(
        "D-1003",
        "Siobhán",
        "O'Brien",
        "siobhan.obrien@example.org",
        DEMO_LOCATIONS[0],
        "Teacher",
        1500,
        PASSWORD,
        "annual refresher, overdue once the refresher date has passed",
    ),
    DemoStaff(
        "D-1004",
        "Tomás",
        "Ruiz-Peña",
        "",
        DEMO_LOCATIONS[0],
        "Custodian",
        700,
        None,
        "no work e-mail: HR prints a sign-in code (Staff > Print sign-in codes)",
    ),
    DemoStaff(
        "D-2001",
        "Zoë",
        "Lefèvre-Smith",
        "zoe.lefevre@example.org",
        DEMO_LOCATIONS[1],
        "Teacher",
        2000,
        PASSWORD,
        "annual refresher",
    ),
    DemoStaff(
        "D-2002",
        "Sean",
        "D'Amico",
        "sean.damico@example.org",
        DEMO_LOCATIONS[1],
        "School Counselor",
        400,
        PASSWORD,
        "annual refresher",
    ),
]
# Extended for the demo learner when the cycle's refresher date has passed, so that she is the
# refresher "not yet due" whatever the date make run is run on.
DEMO_EXTENSION_DAYS = 30
DEMO_EXTENSION_REASON = "Back from leave this month; extended by HR (demo data)."


@transaction.atomic
def demo_staff_ensure() -> list[tuple[DemoStaff, bool]]:
    """Demo staff at two schools with login accounts, and the current cycle's assignments."""
    from datetime import timedelta

    from django.utils import timezone

    from staff.models import Assignment, Location, LocationAccess, Staff
    from staff.services import assignment_extend, assignments_ensure, cycle_open, staff_create
    from training.selectors import primary_course

    User = get_user_model()
    today = timezone.localdate()
    results = []
    for member in DEMO_STAFF:
        location, _ = Location.objects.get_or_create(name=member.location)
        hire_date = today - timedelta(days=member.hired_days_ago)
        if Staff.objects.filter(employee_id=member.employee_id).exists():
            results.append((member, False))
            continue
        if member.password is None:
            # As HR would add them by hand: a login account named by the employee id, no password.
            staff_create(
                employee_id=member.employee_id,
                first_name=member.first_name,
                last_name=member.last_name,
                email=member.email,
                location=location,
                job_title=member.job_title,
                hire_date=hire_date,
            )
            results.append((member, True))
            continue
        user, user_created = User.objects.get_or_create(
            username=member.email,
            defaults={
                "email": member.email,
                "first_name": member.first_name,
                "last_name": member.last_name,
            },
        )
        if user_created:
            user.set_password(member.password)
            user.save(update_fields=["password"])
        Staff.objects.create(
            employee_id=member.employee_id,
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
            location=location,
            job_title=member.job_title,
            hire_date=hire_date,
            user=user,
        )
        results.append((member, True))
    # The demo principal administers the first school (reports show only its staff).
    principal = User.objects.filter(username="principal@example.org").first()
    if principal is not None:
        LocationAccess.objects.get_or_create(
            user=principal, location=Location.objects.get(name=DEMO_LOCATIONS[0])
        )
    start_month, _ = settings.TRAINING_CYCLE_START
    cycle, _ = cycle_open(year=today.year if today.month >= start_month else today.year - 1)
    assignments_ensure(cycle=cycle)
    learner = Assignment.objects.get(
        staff__employee_id=DEMO_STAFF[0].employee_id, cycle=cycle, course=primary_course()
    )
    hr = User.objects.filter(username="hr@example.org").first()
    if hr is not None and learner.due_on < today and not learner.adjustments.exists():
        assignment_extend(
            assignment_id=learner.pk,
            due_on=min(today + timedelta(days=DEMO_EXTENSION_DAYS), cycle.ends_on),
            reason=DEMO_EXTENSION_REASON,
            by=hr,
        )
    return results


@transaction.atomic
def demo_accounts_ensure() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing; returns each account and whether it was new.
    Existing accounts are left as they are, so a second run changes nothing."""
    User = get_user_model()
    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "email": account.username,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_superuser": account.is_superuser,
                "is_staff": account.is_superuser,
            },
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
            if account.group:
                user.groups.add(Group.objects.get(name=account.group))
        if can_use_admin(user):
            # Everyone with admin access needs a second factor (eupsite.second_factor).
            TOTPDevice.objects.get_or_create(
                user=user,
                confirmed=True,
                defaults={"name": "Demo authenticator", "key": DEMO_TOTP_KEY},
            )
        results.append((account, created))
    return results


def demo_translations_review() -> list:
    """The demo district has read its course's translations: each newest version not yet
    reviewed is marked reviewed by the demo district administrator, so the demo shows the
    course in Spanish. A real district's administrator does this in Admin → Translations."""
    from django.contrib.auth import get_user_model

    from training.models import CourseTranslation
    from training.services import course_translation_mark_reviewed

    account = next(a for a in DEMO_ACCOUNTS if a.role == "district administrator")
    reviewer = get_user_model().objects.get(username=account.username)
    newest = {}
    for version in CourseTranslation.objects.order_by("course_id", "language", "-number"):
        newest.setdefault((version.course_id, version.language), version)
    return [
        version
        for version in newest.values()
        if version.reviewed_at is None
        and course_translation_mark_reviewed(translation=version, user=reviewer)
    ]
