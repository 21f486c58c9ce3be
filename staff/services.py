"""Write-side rules of the roster: applying an import, adding and editing a staff member by
hand, login accounts, deactivation, invitations, printed sign-in codes, training cycles and
assignments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import import_module
from typing import Protocol

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from jobs.models import OutgoingEmail
from jobs.services import email_queue

from . import selectors
from .models import Assignment, Location, SignInCode, SignInCodeSheet, Staff, TrainingCycle
from .roster import RosterPlan, RosterRow
from .sign_in_codes import code_hash, code_matches, code_new, code_normalise

BATCH_SIZE = 1000

EMPLOYEE_ID_TAKEN = _("%(id)s is the employee id of another staff member (%(other)s).")
EMAIL_TAKEN = _("%(email)s is the work e-mail of another staff member (%(other)s).")
LOGIN_TAKEN = _("%(username)s is already the login of another account: check the %(field)s.")
SIGN_IN_CODE_REFUSED = _(
    "That employee id and sign-in code do not match. Check both against your sheet and try "
    "again. If it still does not work, the code may have expired or been replaced: ask HR or "
    "your school office for a new one."
)


class RosterInvalid(Exception):
    """The roster has rejected rows and --skip-invalid was not given: nothing was written."""

    def __init__(self, plan: RosterPlan):
        self.plan = plan
        super().__init__(f"{len(plan.rejected)} row(s) rejected; nothing was imported")


@transaction.atomic
def roster_apply(*, plan: RosterPlan, skip_invalid: bool = False) -> dict:
    """Write a roster plan in one transaction, in batches (a constant number of queries per
    batch, never one per row). New staff get an inactive login account (username = work
    e-mail) until they accept their invitation, and an assignment in the current cycle.

    Raises RosterInvalid, writing nothing, when rows were rejected and skip_invalid is False.
    """
    if plan.rejected and not skip_invalid:
        raise RosterInvalid(plan)
    rows = plan.new + [row for row, _, _ in plan.updated]
    locations = _locations_ensure({row.location for row in rows})

    users = login_accounts_ensure(people=plan.new)
    new_staff = [
        Staff(**_staff_fields(row, locations), user=users.get(row.employee_id)) for row in plan.new
    ]
    Staff.objects.bulk_create(new_staff, batch_size=BATCH_SIZE)

    changed_staff = []
    renamed_users = []
    for row, staff, _changed in plan.updated:
        for name, value in _staff_fields(row, locations).items():
            setattr(staff, name, value)
        changed_staff.append(staff)
        if staff.user_id:
            renamed_users.append((staff.user_id, row))
    Staff.objects.bulk_update(
        changed_staff,
        ["first_name", "last_name", "email", "location", "job_title", "hire_date", "is_active"],
        batch_size=BATCH_SIZE,
    )
    _users_follow_roster(renamed_users)

    for staff in plan.deactivated:
        staff.is_active = False
    Staff.objects.bulk_update(plan.deactivated, ["is_active"], batch_size=BATCH_SIZE)
    # Sign-in follows the roster's active flag, as when an administrator deactivates someone.
    for active, staff_ids in _activity_changes(plan).items():
        staff_set_active(staff_ids=staff_ids, active=active)

    cycle = cycle_current()
    if cycle is not None:
        assignments_ensure(cycle=cycle)
    return plan.summary()


def _staff_fields(row: RosterRow, locations: dict[str, Location]) -> dict:
    return {
        "employee_id": row.employee_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "location": locations[row.location],
        "job_title": row.job_title,
        "hire_date": row.hire_date,
        "is_active": row.active,
    }


def _locations_ensure(names: set[str]) -> dict[str, Location]:
    existing = {loc.name: loc for loc in Location.objects.filter(name__in=names)}
    Location.objects.bulk_create([Location(name=n) for n in sorted(names - set(existing))])
    return {loc.name: loc for loc in Location.objects.filter(name__in=names)}


def _activity_changes(plan: RosterPlan) -> dict[bool, list[int]]:
    """The staff an import deactivates (rows marked inactive, and those missing from the file
    with deactivate_missing) and those it makes active again."""
    changes: dict[bool, list[int]] = {False: [s.pk for s in plan.deactivated], True: []}
    for row, staff, changed in plan.updated:
        if "active" in changed:
            changes[row.active].append(staff.pk)
    return {active: ids for active, ids in changes.items() if ids}


def _users_follow_roster(changes: list[tuple[int, Person]]) -> None:
    """A changed e-mail, employee id or name in HR's roster (or in the admin) changes the login
    account too."""
    if not changes:
        return
    User = get_user_model()
    users = User.objects.in_bulk([user_id for user_id, _ in changes])
    for user_id, person in changes:
        user = users[user_id]
        user.username = login_username(employee_id=person.employee_id, email=person.email)
        user.email = person.email
        user.first_name, user.last_name = person.first_name[:150], person.last_name[:150]
    User.objects.bulk_update(
        list(users.values()), ["username", "email", "first_name", "last_name"], batch_size=1000
    )


# --- login accounts --------------------------------------------------------------------------


class Person(Protocol):
    """A roster row or a staff member: what a login account is made from."""

    employee_id: str
    email: str
    first_name: str
    last_name: str


def login_username(*, employee_id: str, email: str) -> str:
    """The username of a staff member's login account: their work e-mail, or, for staff
    without one (custodial, food-service, transportation), their employee id. HR's ids hold no
    "@", so the two never look alike, and the sign-in page takes either
    (selectors.login_username_for)."""
    return email or employee_id


def login_accounts_ensure(*, people: list[Person]) -> dict[str, object]:
    """The login account of each person, by employee id, made in one batch where missing:
    inactive with an unusable password until the person sets one (through an invitation, or a
    printed sign-in code). An existing account with that username that belongs to no staff
    member (a principal who also teaches, say) becomes theirs rather than being duplicated."""
    User = get_user_model()
    usernames = {
        p.employee_id: login_username(employee_id=p.employee_id, email=p.email) for p in people
    }
    existing = set(
        User.objects.filter(username__in=usernames.values(), staff__isnull=True).values_list(
            "username", flat=True
        )
    )
    new_users = []
    for person in people:
        if usernames[person.employee_id] in existing:
            continue
        user = User(
            username=usernames[person.employee_id],
            email=person.email,
            first_name=person.first_name[:150],
            last_name=person.last_name[:150],
            is_active=False,
        )
        user.set_unusable_password()
        new_users.append(user)
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    by_username = {
        u.username: u
        for u in User.objects.filter(username__in=usernames.values(), staff__isnull=True)
    }
    return {
        employee_id: by_username[username]
        for employee_id, username in usernames.items()
        if username in by_username
    }


def staff_check_logins(*, staff: Staff, adopting: bool) -> None:
    """What the database alone cannot say well about a staff member being added or edited:
    their employee id or work e-mail (ignoring case) is another staff member's, or the username
    their login account would have is another account's. Raises ValidationError by field, each
    naming the other person; the admin form calls this to show them beside the fields.

    A new staff member may adopt an account that belongs to no staff member (`adopting`, see
    login_accounts_ensure); a renamed one may not take over anyone's."""
    errors = {}
    same_id = (
        Staff.objects.filter(employee_id=staff.employee_id).exclude(pk=staff.pk).first()
        if staff.employee_id
        else None
    )
    if same_id is not None:
        errors["employee_id"] = EMPLOYEE_ID_TAKEN % {
            "id": staff.employee_id,
            "other": same_id.full_name,
        }
    same_email = selectors.staff_with_email(email=staff.email, exclude_pk=staff.pk)
    if same_email is not None:
        errors["email"] = EMAIL_TAKEN % {"email": staff.email, "other": same_email.full_name}
    if not errors:
        username = login_username(employee_id=staff.employee_id, email=staff.email)
        account = selectors.login_account(username=username)
        taken = account is not None and account.pk != staff.user_id
        if taken and not (adopting and selectors.staff_for_user(user=account) is None):
            field = "email" if staff.email else "employee_id"
            label = Staff._meta.get_field(field).verbose_name
            errors[field] = LOGIN_TAKEN % {"username": username, "field": label}
    if errors:
        raise ValidationError(errors)


# --- adding and editing a staff member by hand -----------------------------------------------


@transaction.atomic
def staff_create(
    *,
    employee_id: str,
    first_name: str,
    last_name: str,
    email: str = "",
    location: Location,
    job_title: str = "",
    hire_date: date,
) -> Staff:
    """Add one staff member by hand, with what an import gives them: a login account (see
    login_accounts_ensure) and an assignment in the current cycle.

    Raises ValidationError, by field, writing nothing: an id or work e-mail another staff
    member has, a login name in use, a missing or malformed value."""
    staff = Staff(
        employee_id=employee_id.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        location=location,
        job_title=job_title.strip(),
        hire_date=hire_date,
        is_active=True,
    )
    staff_check_logins(staff=staff, adopting=True)
    staff.full_clean(exclude=["user"])
    staff.user = login_accounts_ensure(people=[staff])[staff.employee_id]
    staff.save()
    _users_follow_roster([(staff.user_id, staff)])  # an adopted account takes the roster's name
    cycle = cycle_current()
    if cycle is not None:
        assignments_ensure(cycle=cycle)
    return staff


@transaction.atomic
def staff_update(
    *,
    staff: Staff,
    employee_id: str,
    first_name: str,
    last_name: str,
    email: str = "",
    location: Location,
    job_title: str = "",
    hire_date: date,
) -> Staff:
    """Change a staff member's roster details by hand; the login account follows (username,
    e-mail, name) as it does on import. Whether they are active is changed only by
    staff_set_active. Raises ValidationError, by field, writing nothing."""
    staff.employee_id = employee_id.strip()
    staff.first_name, staff.last_name = first_name.strip(), last_name.strip()
    staff.email = email.strip().lower()
    staff.location, staff.job_title, staff.hire_date = location, job_title.strip(), hire_date
    staff_check_logins(staff=staff, adopting=False)
    staff.full_clean(exclude=["user"])
    staff.save()
    if staff.user_id:
        _users_follow_roster([(staff.user_id, staff)])
    return staff


# --- deactivation ----------------------------------------------------------------------------


@transaction.atomic
def staff_set_active(*, staff_ids: Iterable[int], active: bool) -> int:
    """Deactivate or reactivate staff members: what an administrator's Deactivate and
    Reactivate do, one by one or in bulk, and what a roster import does to the people it marks
    inactive or active. Records (attempts, acknowledgements, certificates) are never touched.

    Deactivating disables the login account and ends every session the person has open: on a
    shared computer their training would otherwise stay open, and an old session would come
    back to life if they were reactivated. Reactivating lets them sign in again if they had set
    a password (if not, they still need an invitation or a sign-in code) and assigns them in the
    current cycle. Returns how many staff members changed."""
    ids = list(staff_ids)
    if not ids:
        return 0
    changed = Staff.objects.filter(pk__in=ids).exclude(is_active=active).update(is_active=active)
    # Every account is set, not only those whose staff row changed: an import writes the
    # staff rows itself before calling this.
    accounts = get_user_model().objects.filter(staff__pk__in=ids)
    if active:
        accounts.exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX).update(is_active=True)
        cycle = cycle_current()
        if cycle is not None:
            assignments_ensure(cycle=cycle)
    else:
        accounts.update(is_active=False)
        _sessions_end(user_ids=set(accounts.values_list("pk", flat=True)))
    return changed


def _sessions_end(*, user_ids: set[int]) -> int:
    """Delete the sessions of these people. Sessions are rows in the database (the default
    SESSION_ENGINE), keyed by a random id with the user id inside the encoded data, so finding
    someone's sessions means decoding the unexpired ones: at most a working day's worth
    (SESSION_COOKIE_AGE), read in chunks."""
    if not user_ids:
        return 0
    Session = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()
    wanted = {str(pk) for pk in user_ids}
    ended = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=2000):
        if str(session.get_decoded().get(SESSION_KEY)) in wanted:
            ended.append(session.session_key)
    deleted = 0
    for start in range(0, len(ended), BATCH_SIZE):
        deleted += Session.objects.filter(
            session_key__in=ended[start : start + BATCH_SIZE]
        ).delete()[0]
    return deleted


# --- invitations -----------------------------------------------------------------------------


def invitation_url(*, user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("invitation", args=[uid, token])


def invitations_send(
    *, staff: list[Staff], base_url: str | None = None, resend: bool = False
) -> int:
    """Queue an e-mail to each active staff member who has not set a password, with a link to
    set one. Returns how many were queued. Uses Django's password-reset tokens: a link stops
    working once used."""
    base_url = base_url or settings.WAGTAILADMIN_BASE_URL
    queued = 0
    now = timezone.now()
    for member in staff:
        user = member.user
        if user is None or user.has_usable_password() or not member.is_active:
            continue
        if not member.email:
            continue  # no work e-mail: HR prints them a sign-in code instead
        if member.invited_at and not resend:
            continue
        context = {
            "staff": member,
            "url": invitation_url(user=user, base_url=base_url),
            "district": settings.DISTRICT_NAME,
        }
        with transaction.atomic():
            email_queue(
                kind=OutgoingEmail.Kind.INVITATION,
                to=member.email,
                subject=f"{settings.DISTRICT_NAME}: set your password for your training",
                body=render_to_string("staff/email/invitation.txt", context),
            )
            Staff.objects.filter(pk=member.pk).update(invited_at=now)
        queued += 1
    return queued


# --- cycles and assignments ------------------------------------------------------------------


def cycle_dates_for_year(year: int) -> dict:
    """The default cycle starting in `year`: July 1 to June 30, refresher due October 1."""
    start_month, start_day = settings.TRAINING_CYCLE_START
    due_month, due_day = settings.TRAINING_REFRESHER_DUE
    starts_on = date(year, start_month, start_day)
    refresher = date(year, due_month, due_day)
    if refresher < starts_on:
        refresher = date(year + 1, due_month, due_day)
    return {
        "name": f"{year}-{year + 1}",
        "starts_on": starts_on,
        "ends_on": date(year + 1, start_month, start_day) - timedelta(days=1),
        "refresher_due_on": refresher,
        "new_hire_due_days": settings.TRAINING_NEW_HIRE_DUE_DAYS,
    }


def cycle_current(*, today: date | None = None) -> TrainingCycle | None:
    today = today or timezone.localdate()
    return (
        TrainingCycle.objects.filter(starts_on__lte=today, ends_on__gte=today)
        .order_by("-starts_on")
        .first()
    )


@transaction.atomic
def cycle_open(*, year: int, **overrides) -> tuple[TrainingCycle, int]:
    """Create the cycle that starts in `year` (if missing) and assign every active staff member.
    Earlier cycles and their records are untouched. Returns the cycle and how many assignments
    were created."""
    fields = cycle_dates_for_year(year) | overrides
    cycle, _ = TrainingCycle.objects.get_or_create(name=fields.pop("name"), defaults=fields)
    return cycle, assignments_ensure(cycle=cycle)


def assignment_due_on(*, cycle: TrainingCycle, hire_date: date) -> tuple[str, date]:
    """(kind, due date): a new hire (hired inside the cycle) has new_hire_due_days from the hire
    date; everyone else is due by the refresher date."""
    if cycle.starts_on <= hire_date <= cycle.ends_on:
        return Assignment.Kind.ONBOARDING, hire_date + timedelta(days=cycle.new_hire_due_days)
    return Assignment.Kind.REFRESHER, cycle.refresher_due_on


def assignments_ensure(*, cycle: TrainingCycle) -> int:
    """Give every active staff member without one an assignment in `cycle`."""
    missing = Staff.objects.filter(is_active=True).exclude(assignments__cycle=cycle)
    assignments = []
    for staff in missing.only("pk", "hire_date"):
        kind, due_on = assignment_due_on(cycle=cycle, hire_date=staff.hire_date)
        assignments.append(Assignment(staff=staff, cycle=cycle, kind=kind, due_on=due_on))
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(assignments)


# --- printed sign-in codes -------------------------------------------------------------------


class SignInCodeRefused(Exception):
    """The employee id and code do not open a sign-in. Deliberately one reason for every case
    (unknown id, wrong, expired, used or replaced code, too many wrong tries, deactivated), so
    the page cannot be used to learn which employee ids exist or hold a code."""

    def __init__(self):
        super().__init__(str(SIGN_IN_CODE_REFUSED))


@dataclass(frozen=True)
class PrintedCode:
    staff: Staff
    code: str  # shown once, on the printed sheet; only its HMAC is stored
    expires_on: date  # the last day it works


def sign_in_code_expiry(*, now: datetime) -> tuple[date, datetime]:
    """(the last day a code printed `now` works, the moment it stops): the end of that day in
    the district's time zone, so the date printed on the sheet is exactly right."""
    last_day = timezone.localdate(now) + timedelta(days=settings.SIGN_IN_CODE_VALID_DAYS)
    return last_day, timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))


@transaction.atomic
def sign_in_sheet_print(
    *, location: Location, printed_by, everyone_without_password: bool = False
) -> tuple[SignInCodeSheet | None, list[PrintedCode]]:
    """New one-time sign-in codes for a location's active staff who have no password: those
    without a work e-mail, or with `everyone_without_password` everyone who has not set one
    yet. A person's earlier code stops working. The sheet records who printed it and when.
    Returns (None, []) when nobody needs a code (nothing is written)."""
    people = list(
        selectors.staff_needing_sign_in_codes(
            location=location, everyone_without_password=everyone_without_password
        )
    )
    if not people:
        return None, []
    accounts = login_accounts_ensure(people=[p for p in people if p.user_id is None])
    for person in people:
        if person.user_id is None:
            person.user = accounts[person.employee_id]
            person.save(update_fields=["user"])
    now = timezone.now()
    last_day, expires_at = sign_in_code_expiry(now=now)
    sheet = SignInCodeSheet.objects.create(
        location=location,
        printed_by=printed_by,
        everyone_without_password=everyone_without_password,
    )
    SignInCode.objects.filter(
        staff__in=people, used_at__isnull=True, replaced_at__isnull=True
    ).update(replaced_at=now)
    printed = [PrintedCode(staff=p, code=code_new(), expires_on=last_day) for p in people]
    SignInCode.objects.bulk_create(
        [
            SignInCode(
                staff=c.staff, sheet=sheet, code_hash=code_hash(c.code), expires_at=expires_at
            )
            for c in printed
        ],
        batch_size=BATCH_SIZE,
    )
    return sheet, printed


def sign_in_code_check(*, employee_id: str, typed_code: str) -> SignInCode:
    """The person's open code, if `typed_code` is it and it still works. A wrong code counts
    against the person's code, which stops working after SIGN_IN_CODE_MAX_FAILURES (the page is
    also rate limited per address); the count is written at once, outside any transaction of
    the caller's, so a failure is never rolled back.

    Raises SignInCodeRefused."""
    staff = selectors.staff_by_employee_id(employee_id=employee_id)
    if staff is None:
        raise SignInCodeRefused
    open_code = (
        SignInCode.objects.filter(staff=staff, used_at__isnull=True, replaced_at__isnull=True)
        .select_related("staff__user")
        .first()
    )
    if open_code is None or open_code.failed_attempts >= settings.SIGN_IN_CODE_MAX_FAILURES:
        raise SignInCodeRefused
    code = code_normalise(typed_code)
    if code is None or not code_matches(code, open_code.code_hash):
        SignInCode.objects.filter(pk=open_code.pk).update(failed_attempts=F("failed_attempts") + 1)
        raise SignInCodeRefused
    if (
        open_code.expires_at <= timezone.now()
        or not open_code.staff.is_active
        or open_code.staff.user is None
    ):
        raise SignInCodeRefused
    return open_code


@transaction.atomic
def sign_in_code_password_set(*, code_id: int, password: str):
    """Use up the code (once: a conditional UPDATE, so two tabs cannot both use it) and give
    its owner the password they chose; their login account becomes active. The password must
    have passed Django's validators (the form does that). Returns the login account.

    Raises SignInCodeRefused when the code was used, replaced or expired meanwhile, or the
    person was deactivated."""
    now = timezone.now()
    used = SignInCode.objects.filter(
        pk=code_id,
        used_at__isnull=True,
        replaced_at__isnull=True,
        expires_at__gt=now,
        failed_attempts__lt=settings.SIGN_IN_CODE_MAX_FAILURES,
        staff__is_active=True,
        staff__user__isnull=False,
    ).update(used_at=now)
    if not used:
        raise SignInCodeRefused
    user = get_user_model().objects.get(staff__sign_in_codes__pk=code_id)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user
