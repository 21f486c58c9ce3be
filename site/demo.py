"""Demo accounts for `make run`: one learner, one editor, one administrator."""

from dataclasses import dataclass

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
    DemoAccount("learner", "learner@example.org", "learn-the-policy", "Maria", "O'Neil-Núñez"),
    DemoAccount(
        "editor", "editor@example.org", "edit-the-course", "Evan", "Editor", group="Editors"
    ),
    DemoAccount(
        "administrator", "admin@example.org", "administer-it", "Ada", "Admin", is_superuser=True
    ),
]


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
