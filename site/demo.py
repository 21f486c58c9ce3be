"""Demo accounts for `make run`: learners, an editor, and one administrator of each kind
(district, HR, principal), none of them superusers, plus one superuser for IT."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction


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


@dataclass(frozen=True)
class DemoStaff:
    employee_id: str
    first_name: str
    last_name: str
    email: str
    location: str
    job_title: str
    hired_days_ago: int
    password: str


DEMO_LOCATIONS = ["Maple Street Elementary School", "Riverside High School"]
# The first is the demo learner above; the others are colleagues at the two demo schools.
DEMO_STAFF = [
    DemoStaff(
        "D-1001",
        "María",
        "O'Neil-Núñez",
        "learner@example.org",
        DEMO_LOCATIONS[0],
        "Teacher",
        900,
        "learn-the-policy",
    ),
    DemoStaff(
        "D-1002",
        "Jamal",
        "Carter",
        "jamal.carter@example.org",
        DEMO_LOCATIONS[0],
        "Paraprofessional",
        12,
        "learn-the-policy",
    ),
    DemoStaff(
        "D-2001",
        "Zoë",
        "Lefèvre-Smith",
        "zoe.lefevre@example.org",
        DEMO_LOCATIONS[1],
        "Teacher",
        2000,
        "learn-the-policy",
    ),
    DemoStaff(
        "D-2002",
        "Sean",
        "D'Amico",
        "sean.damico@example.org",
        DEMO_LOCATIONS[1],
        "School Counselor",
        400,
        "learn-the-policy",
    ),
]


@transaction.atomic
def demo_staff_ensure() -> list[tuple[DemoStaff, bool]]:
    """Demo staff at two schools with login accounts, and the current cycle's assignments."""
    from datetime import timedelta

    from django.utils import timezone

    from staff.models import Location, Staff
    from staff.services import assignments_ensure, cycle_open

    User = get_user_model()
    today = timezone.localdate()
    results = []
    for member in DEMO_STAFF:
        location, _ = Location.objects.get_or_create(name=member.location)
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
        _, created = Staff.objects.get_or_create(
            employee_id=member.employee_id,
            defaults={
                "first_name": member.first_name,
                "last_name": member.last_name,
                "email": member.email,
                "location": location,
                "job_title": member.job_title,
                "hire_date": today - timedelta(days=member.hired_days_ago),
                "user": user,
            },
        )
        results.append((member, created))
    # The demo principal administers the first school (reports show only its staff).
    from reports.models import LocationAccess

    principal = User.objects.filter(username="principal@example.org").first()
    if principal is not None:
        LocationAccess.objects.get_or_create(
            user=principal, location=Location.objects.get(name=DEMO_LOCATIONS[0])
        )
    start_month, _ = settings.TRAINING_CYCLE_START
    cycle, _ = cycle_open(year=today.year if today.month >= start_month else today.year - 1)
    assignments_ensure(cycle=cycle)
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
        results.append((account, created))
    return results
