"""Write-side rules of the roster: applying an import, adding and editing a staff member by
hand, login accounts, deactivation, invitations, printed sign-in codes, training cycles and
assignments."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import import_module
from typing import NamedTuple, Protocol

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from eupsite.audit import audit
from eupsite.bulk import bulk_insert, many_values
from eupsite.district_time import short_date_format
from eupsite.language import person_language
from eupsite.sso_policy import password_sign_in_allowed, sso_provider_names
from eupsite.tokens import account_token_generator
from jobs.models import OutgoingEmail
from jobs.services import email_queue

from . import selectors
from .folding import staff_search_text
from .models import (
    Assignment,
    AssignmentAdjustment,
    AssignmentRule,
    Location,
    RosterChange,
    RosterImport,
    SignInCode,
    SignInCodeSheet,
    Staff,
    TrainingCycle,
    full_name,
)
from .oneroster import roster_upload_plan
from .roster import RosterPlan, RosterRow
from .selectors import (
    Invitations,
    NotInvited,
    Skipped,
    assignment_adjustment_attach,
    assignments_missing_rows,
    invitations_plan,
)
from .sign_in_codes import code_hash, code_matches, code_new, code_normalise

BATCH_SIZE = 1000
# The audit trail's names for what administrators do here (registered in wagtail_hooks).
ROSTER_APPLY_ACTION = "staff.roster_apply"
CYCLE_OPEN_ACTION = "staff.cycle_open"
EXTEND_ACTION = "staff.assignment_extend"
EXEMPT_ACTION = "staff.assignment_exempt"

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


@dataclass
class RosterApplied:
    """What applying a plan did: the staff created, updated (with each field's old and new
    value), marked inactive, and the locations that did not exist before."""

    created: list[NewStaff] = field(default_factory=list)
    updated: list[tuple[Staff, list[dict]]] = field(default_factory=list)
    deactivated: list[Staff] = field(default_factory=list)
    new_locations: list[str] = field(default_factory=list)
    unchanged: int = 0
    rejected: int = 0

    def summary(self) -> dict:
        return {
            "new": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivated),
            "rejected": self.rejected,
            "new_locations": self.new_locations,
        }


class RosterDeactivationUnconfirmed(Exception):
    """The import would mark more than ROSTER_DEACTIVATE_MAX_SHARE of the active staff inactive
    and nobody confirmed that count: nothing was written."""

    def __init__(self, plan: RosterPlan):
        self.plan = plan
        super().__init__(
            f"This import would mark {len(plan.deactivated)} of {plan.active_count} active staff "
            "inactive; nothing was imported. If that is right, confirm the count."
        )


ROSTER_APPLIED_MEANWHILE = _(
    "Another import added some of the same people at the same moment, so nothing from this "
    "file was imported. Upload it again to see what is left to change."
)


class RosterAppliedMeanwhile(Exception):
    """Another import wrote some of the same people while this one was being applied."""


@transaction.atomic
def roster_apply(
    *,
    plan: RosterPlan,
    skip_invalid: bool = False,
    confirmed_deactivations: int | None = None,
    force: bool = False,
) -> RosterApplied:
    """Write a roster plan in one transaction, in batches (a constant number of queries per
    batch, never one per row). New staff get an inactive login account (username = work
    e-mail) until they accept their invitation, and an assignment in the current cycle.
    Returns what was written.

    Raises, writing nothing: RosterInvalid when rows were rejected and skip_invalid is False;
    RosterDeactivationUnconfirmed when it would mark more than ROSTER_DEACTIVATE_MAX_SHARE of
    the active staff inactive and neither `force` nor `confirmed_deactivations` (that exact
    count, as a person typed it) says so; RosterAppliedMeanwhile when another import wrote one
    of the same new people at the same moment.
    """
    if plan.rejected and not skip_invalid:
        raise RosterInvalid(plan)
    if (
        plan.deactivation_needs_confirming
        and not force
        and confirmed_deactivations != len(plan.deactivated)
    ):
        raise RosterDeactivationUnconfirmed(plan)
    rows = plan.new + [row for row, _, _ in plan.updated]
    locations, new_locations = _locations_ensure({row.location for row in rows})

    user_ids = login_accounts_ensure(people=plan.new, ids_only=True)
    # Rows, not Staff objects: making 20,000 of them was a tenth of an import.
    staff_rows = []
    for row in plan.new:
        values = _staff_fields(row, locations) | {"user_id": user_ids.get(row.employee_id)}
        staff_rows.append(tuple(values.get(name) for name in NEW_STAFF_FIELDS))
    new_ids = bulk_insert(Staff, fields=NEW_STAFF_FIELDS, rows=staff_rows)
    new_staff = [
        NewStaff(pk, row.employee_id, full_name(first_name=row.first_name, last_name=row.last_name))
        for pk, row in zip(new_ids, plan.new, strict=True)
    ]

    changed_staff = []
    renamed_users = []
    updated = []
    for row, staff, changed in plan.updated:
        before = plan.before[row.employee_id]
        wanted = row.values()
        updated.append((staff, [{"field": n, "old": before[n], "new": wanted[n]} for n in changed]))
        for name, value in _staff_fields(row, locations).items():
            setattr(staff, name, value)
        changed_staff.append(staff)
        if staff.user_id:
            renamed_users.append((staff.user_id, row))
    # The language HR's file gives each new person, and each one whose language it changed.
    _account_languages_set(
        {
            user_ids[row.employee_id]: row.language
            for row in plan.new
            if row.language is not None and user_ids.get(row.employee_id)
        }
        | {
            staff.user_id: row.language
            for row, staff, changed in plan.updated
            if "language" in changed and staff.user_id
        }
    )
    Staff.objects.bulk_update(
        changed_staff,
        [
            "first_name",
            "last_name",
            "email",
            "location",
            "job_title",
            "hire_date",
            "is_active",
            "search_text",
            "source_modified_at",
        ],
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
    return RosterApplied(
        created=new_staff,
        updated=updated,
        deactivated=list(plan.deactivated),
        new_locations=new_locations,
        unchanged=len(plan.unchanged),
        rejected=len(plan.rejected),
    )


def _account_languages_set(languages: dict[int, str]) -> None:
    """Set each account's language ({user id: "en", "es" or "" for the browser's}), the same
    setting the switcher and the admin's Account page change, in one statement."""
    from wagtail.users.models import UserProfile

    if not languages:
        return
    UserProfile.objects.bulk_create(
        [
            UserProfile(user_id=user_id, preferred_language=code)
            for user_id, code in languages.items()
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["preferred_language"],
    )


# invited_at is None (not yet invited), as are the fields _staff_fields leaves out.
NEW_STAFF_FIELDS = (
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "location_id",
    "job_title",
    "hire_date",
    "is_active",
    "source_modified_at",
    "search_text",
    "user_id",
    "invited_at",
)


class NewStaff(NamedTuple):
    """A staff member an import created, as its record of changes names them."""

    pk: int
    employee_id: str
    full_name: str


def _staff_fields(row: RosterRow, locations: dict[str, Location]) -> dict:
    return {
        "employee_id": row.employee_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        # Ids, not objects: setting 20,000 related objects was a tenth of an import.
        "location_id": locations[row.location].pk,
        "job_title": row.job_title,
        "hire_date": row.hire_date,
        "is_active": row.active,
        "source_modified_at": row.modified_at,
        # bulk_create and bulk_update skip Staff.save, which keeps this column in step.
        "search_text": staff_search_text(
            first_name=row.first_name, last_name=row.last_name, employee_id=row.employee_id
        ),
    }


def _locations_ensure(names: set[str]) -> tuple[dict[str, Location], list[str]]:
    """The locations by name, creating those missing; and the names of those created."""
    existing = {loc.name: loc for loc in Location.objects.filter(name__in=names)}
    created = sorted(names - set(existing))
    Location.objects.bulk_create([Location(name=n) for n in created])
    return {loc.name: loc for loc in Location.objects.filter(name__in=names)}, created


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


def login_accounts_ensure(*, people: list[Person], ids_only: bool = False) -> dict[str, object]:
    """The login account of each person, by employee id, made in one batch where missing:
    inactive with an unusable password until the person sets one (through an invitation, or a
    printed sign-in code). An existing account with that username that belongs to no staff
    member (a principal who also teaches, say) becomes theirs rather than being duplicated.
    With `ids_only`, the accounts' ids instead of the accounts (a roster import's thousands
    are written as rows: making their objects was a fifth of the import)."""
    User = get_user_model()
    usernames = {
        p.employee_id: login_username(employee_id=p.employee_id, email=p.email) for p in people
    }
    unlinked = User.objects.filter(username__in=many_values(usernames.values()), staff__isnull=True)
    if ids_only:
        by_username = dict(unlinked.values_list("username", "pk"))
    else:
        by_username = {u.username: u for u in unlinked}
    now = timezone.now()
    rows = [
        (
            usernames[person.employee_id],
            person.email,
            person.first_name[:150],
            person.last_name[:150],
            False,  # is_active
            unusable_password(),
            False,  # is_staff
            False,  # is_superuser
            None,  # last_login
            now,  # date_joined
        )
        for person in people
        if usernames[person.employee_id] not in by_username
    ]
    new_ids = bulk_insert(User, fields=NEW_LOGIN_ACCOUNT_FIELDS, rows=rows)
    for row, pk in zip(rows, new_ids, strict=True):
        if ids_only:
            by_username[row[0]] = pk
        else:
            user = User(pk=pk, **dict(zip(NEW_LOGIN_ACCOUNT_FIELDS, row, strict=True)))
            user._state.adding = False
            user._state.db = "default"
            by_username[row[0]] = user
    return {
        employee_id: by_username[username]
        for employee_id, username in usernames.items()
        if username in by_username
    }


NEW_LOGIN_ACCOUNT_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "password",
    "is_staff",
    "is_superuser",
    "last_login",
    "date_joined",
)


def unusable_password() -> str:
    """What User.set_unusable_password stores (UNUSABLE_PASSWORD_PREFIX and 40 random
    characters, so that no two accounts share the value), made with one call to `secrets`
    instead of get_random_string's 40: an import makes thousands of accounts at once."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


class SignInAccountUnavailable(Exception):
    """The staff member cannot be given a login account: they are inactive, or the username
    their account would have belongs to another staff member's account."""


@transaction.atomic
def staff_login_account_ensure(*, staff: Staff):
    """The login account an active staff member signs in with through the district's identity
    provider (eupsite.sso): theirs, else one made or adopted as an import would
    (login_accounts_ensure). It is made active, since the provider vouched for the person;
    it needs no password. Returns the account.

    Raises SignInAccountUnavailable, writing nothing."""
    staff = Staff.objects.select_for_update(of=("self",)).select_related("user").get(pk=staff.pk)
    if not staff.is_active:
        raise SignInAccountUnavailable
    if staff.user is None:
        staff.user = login_accounts_ensure(people=[staff]).get(staff.employee_id)
        if staff.user is None:
            raise SignInAccountUnavailable
        staff.save(update_fields=["user"])
    if not staff.user.is_active:
        staff.user.is_active = True
        staff.user.save(update_fields=["is_active"])
    return staff.user


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
    if not active:
        # Stamped whether this call or the import before it changed the row: the stamp voids
        # every one-time link the person was sent (eupsite.tokens).
        Staff.objects.filter(pk__in=ids).update(updated_at=timezone.now())
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
    """Delete the sessions of these people. Sessions are rows in the database (with a copy in
    the cache: SESSION_ENGINE is cached_db), keyed by a random id with the user id inside the
    encoded data, so finding someone's sessions means decoding the unexpired ones: at most a
    working day's worth (SESSION_COOKIE_AGE), read in chunks."""
    if not user_ids:
        return 0
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    Session = SessionStore.get_model_class()
    wanted = {str(pk) for pk in user_ids}
    ended = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=2000):
        if str(session.get_decoded().get(SESSION_KEY)) in wanted:
            ended.append(session.session_key)
    deleted = 0
    for start in range(0, len(ended), BATCH_SIZE):
        batch = ended[start : start + BATCH_SIZE]
        deleted += Session.objects.filter(session_key__in=batch).delete()[0]
        prefix = getattr(SessionStore, "cache_key_prefix", None)
        if prefix is not None:
            caches[settings.SESSION_CACHE_ALIAS].delete_many([prefix + key for key in batch])
    return deleted


def roster_import_apply(
    *, roster_import_id: int, by=None, confirmed_deactivations: int | None = None
) -> tuple[RosterImport, bool]:
    """Apply an uploaded roster file and record what it did (RosterChange rows and the
    summary, with the new locations) in the same transaction. The file is planned inside the
    transaction, with the import row locked, so two clicks on "Apply" import once: the second
    finds it applied and returns (import, False).

    Raises what roster_apply raises, writing nothing; RosterImport.DoesNotExist for an unknown
    id.
    """
    try:
        with transaction.atomic():
            locked = RosterImport.objects.select_for_update().get(pk=roster_import_id)
            if locked.applied_at is not None:
                return locked, False
            plan = roster_upload_plan(locked.data, deactivate_missing=locked.deactivate_missing)
            applied = roster_apply(
                plan=plan,
                skip_invalid=locked.skip_invalid,
                confirmed_deactivations=confirmed_deactivations,
            )
            bulk_insert(
                RosterChange,
                fields=ROSTER_CHANGE_FIELDS,
                rows=_roster_changes(locked, applied, plan=plan),
            )
            locked.applied_at = timezone.now()
            locked.applied_by = by
            locked.summary = applied.summary() | {
                "rejected_rows": [
                    {"file": r.file, "line": r.line, "column": r.column, "reason": r.reason}
                    for r in plan.rejected
                ],
            }
            if plan.source:  # a OneRoster bundle: what it held and left alone
                locked.summary |= {
                    "source": plan.source,
                    "students_ignored": plan.students_ignored,
                    "without_role_ignored": plan.without_role_ignored,
                    "deleted_ignored": plan.deleted_ignored,
                }
            locked.save(update_fields=["applied_at", "applied_by", "summary"])
            if by is not None:
                counts = applied.summary()
                audit(
                    instance=locked,
                    action=ROSTER_APPLY_ACTION,
                    user=by,
                    summary=(
                        f"{counts['new']} new, {counts['updated']} updated, "
                        f"{counts['deactivated']} marked inactive"
                    ),
                )
    except IntegrityError as exc:
        # Another upload holding some of the same new people was applied at the same moment
        # and won: this transaction wrote nothing.
        raise RosterAppliedMeanwhile(ROSTER_APPLIED_MEANWHILE) from exc
    return locked, True


def _roster_changes(
    roster_import: RosterImport, applied: RosterApplied, *, plan: RosterPlan
) -> list[tuple]:
    """The RosterChange rows (ROSTER_CHANGE_FIELDS) of what `applied` did."""
    location_names = {row.employee_id: row.location for row in plan.new}
    location_names |= {row.employee_id: row.location for row, _, _ in plan.updated}
    former = {s.pk: s.location_id for s in applied.deactivated}
    former_names = dict(
        Location.objects.filter(pk__in=set(former.values())).values_list("pk", "name")
    )
    Action = RosterChange.Action

    def change(staff, action, location, changes=()):
        return (
            roster_import.pk,
            staff.pk,
            action,
            staff.employee_id,
            staff.full_name,
            location,
            list(changes),
        )

    return (
        [change(s, Action.CREATED, location_names[s.employee_id]) for s in applied.created]
        + [
            change(s, Action.UPDATED, location_names[s.employee_id], _json_ready(c))
            for s, c in applied.updated
        ]
        + [change(s, Action.DEACTIVATED, former_names[former[s.pk]]) for s in applied.deactivated]
    )


ROSTER_CHANGE_FIELDS = (
    "roster_import_id",
    "staff_id",
    "action",
    "employee_id",
    "full_name",
    "location_name",
    "changes",
)


def _json_ready(changes: list[dict]) -> list[dict]:
    def value(v):
        return v.isoformat() if isinstance(v, date) else v

    return [{"field": c["field"], "old": value(c["old"]), "new": value(c["new"])} for c in changes]


# --- invitations -----------------------------------------------------------------------------


def invitation_url(*, user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = account_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("invitation", args=[uid, token])


def invitations_send(
    *,
    staff: list[Staff],
    base_url: str | None = None,
    resend: bool = False,
    invited_by=None,
) -> Invitations:
    """Queue an e-mail to each staff member who can be invited (invitation_obstacle), with a
    link to set a password, the due date of their current assignment and who sent it
    (`invited_by`, an administrator, or the district alone). Returns who was invited and who
    was skipped and why. Uses Django's password-reset tokens: a link stops working once used.

    Each person is claimed with one conditional UPDATE of invited_at before their e-mail is
    queued (in the same transaction): two administrators inviting the same people at once, or
    a double click, send one invitation each."""
    base_url = base_url or settings.WAGTAILADMIN_BASE_URL
    plan = invitations_plan(staff=staff, resend=resend)
    result = Invitations(skipped=list(plan.skipped))
    due = _current_assignments([member.pk for member in plan.invited])
    sender = (invited_by.get_full_name() or invited_by.email) if invited_by else ""
    now = timezone.now()
    sign_in_url = base_url.rstrip("/") + reverse("login")
    for member in plan.invited:
        context = {
            "staff": member,
            "district": settings.DISTRICT_NAME,
            "assignment": due.get(member.pk),
            "sender": sender,
        }
        if password_sign_in_allowed(user=member.user):
            template = "staff/email/invitation.txt"
            subject = _("%(district)s: set your password for your training")
            context["url"] = invitation_url(user=member.user, base_url=base_url)
        else:
            # The district signs staff in through its identity provider: a password link would
            # only be refused, so the e-mail says where to sign in and with which button.
            template = "staff/email/invitation_sso.txt"
            subject = _("%(district)s: your Electronic Use Policies training")
            context["url"] = sign_in_url
            context["providers"] = sso_provider_names()
        with transaction.atomic():
            claimed = Staff.objects.filter(pk=member.pk, invited_at=member.invited_at).update(
                invited_at=now
            )
            if not claimed:
                member.refresh_from_db(fields=["invited_at"])
                result.skipped.append(Skipped(member, NotInvited.ALREADY_INVITED))
                continue
            with translation.override(person_language(user=member.user)):
                email_queue(
                    kind=OutgoingEmail.Kind.INVITATION,
                    to=member.email,
                    subject=str(subject) % {"district": settings.DISTRICT_NAME},
                    body=render_to_string(template, context),
                )
        member.invited_at = now
        result.invited.append(member)
    return result


def _current_assignments(staff_ids: list[int]) -> dict[int, Assignment]:
    cycle = cycle_current()
    if cycle is None or not staff_ids:
        return {}
    assignments = Assignment.objects.filter(cycle=cycle, staff_id__in=staff_ids)
    return {a.staff_id: a for a in assignments.select_related("cycle")}


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


CYCLE_ENDS_BEFORE_IT_STARTS = _("The cycle must end after it starts.")
CYCLE_DUE_OUTSIDE = _("The refresher due date must fall inside the cycle (%(starts)s to %(ends)s).")
CYCLE_OVERLAPS = _(
    "These dates overlap the %(name)s cycle (%(starts)s to %(ends)s): each day belongs to one "
    "school year. Change the dates, or edit that cycle."
)
CYCLE_NEEDS_DAYS = _("A new hire needs at least one day.")


def cycle_check(*, cycle: TrainingCycle) -> None:
    """Check a cycle before it is created: dates in order (the database's cycle_dates_in_order
    says the same), and no overlap with another cycle, since "the current cycle" must be one.

    Raises ValidationError keyed by field, with the messages above."""

    def day(value: date) -> str:
        return formats.date_format(value, short_date_format())

    errors = {}
    if cycle.ends_on <= cycle.starts_on:
        errors["ends_on"] = CYCLE_ENDS_BEFORE_IT_STARTS
    elif not cycle.starts_on <= cycle.refresher_due_on <= cycle.ends_on:
        errors["refresher_due_on"] = CYCLE_DUE_OUTSIDE % {
            "starts": day(cycle.starts_on),
            "ends": day(cycle.ends_on),
        }
    if not cycle.new_hire_due_days:
        errors["new_hire_due_days"] = CYCLE_NEEDS_DAYS
    if "ends_on" not in errors:
        other = (
            TrainingCycle.objects.filter(starts_on__lte=cycle.ends_on, ends_on__gte=cycle.starts_on)
            .exclude(name=cycle.name)
            .order_by("starts_on")
            .first()
        )
        if other is not None:
            errors["starts_on"] = CYCLE_OVERLAPS % {
                "name": other.name,
                "starts": day(other.starts_on),
                "ends": day(other.ends_on),
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cycle_open(*, year: int, by=None, **overrides) -> tuple[TrainingCycle, int]:
    """Create the cycle that starts in `year` (if missing; `overrides` replace the default
    dates of cycle_dates_for_year) and assign every active staff member who has no assignment
    in it. Earlier cycles and their records are untouched. Returns the cycle and how many
    assignments were created: opening the same year again creates nothing and keeps the
    dates it was opened with (the admin's preview says so).

    Raises ValidationError (cycle_check) for dates out of order or overlapping another cycle.
    """
    fields = cycle_dates_for_year(year) | overrides
    name = fields.pop("name")
    cycle = TrainingCycle.objects.select_for_update().filter(name=name).first()
    if cycle is None:
        cycle_check(cycle=TrainingCycle(name=name, **fields))
        # get_or_create: a request that lost the race to create it uses the winner's cycle.
        cycle, _ = TrainingCycle.objects.get_or_create(name=name, defaults=fields)
    assigned = assignments_ensure(cycle=cycle)
    if by is not None:
        audit(instance=cycle, action=CYCLE_OPEN_ACTION, user=by, items=assigned)
    return cycle, assigned


def assignments_ensure(*, cycle: TrainingCycle) -> int:
    """Give every active staff member the assignments in `cycle` that the assignment rules
    give them and they lack (the ones assignments_missing lists). The unique (staff, cycle,
    course) constraint makes a concurrent second call add nothing."""
    rows = [
        (member.pk, cycle.pk, course_id, kind, due_on, None, None)
        for member, course_id, kind, due_on in assignments_missing_rows(cycle=cycle)
    ]
    bulk_insert(
        Assignment,
        fields=(
            "staff_id",
            "cycle_id",
            "course_id",
            "kind",
            "due_on",
            "completed_at",
            "reacknowledge_from",
        ),
        rows=rows,
        ignore_conflicts=True,
    )
    return len(rows)


RULES_APPLY_ACTION = "staff.assignment_rules_apply"


@transaction.atomic
def assignment_rules_apply(*, by, today: date | None = None) -> int:
    """Give everyone the current cycle's assignments the assignment rules call for and they
    lack (after a rule was added or changed). Nothing is taken away: an assignment no rule
    calls for any more keeps its records. Returns how many were created (0 with no current
    cycle)."""
    cycle = cycle_current(today=today)
    if cycle is None:
        return 0
    created = assignments_ensure(cycle=cycle)
    audit(instance=cycle, action=RULES_APPLY_ACTION, user=by, items=created)
    return created


def assignment_rule_everyone(*, course_id: int) -> AssignmentRule:
    """The rule that assigns a course to every active staff member (a new course's default)."""
    return assignment_rule_add(course_id=course_id)


def assignment_rule_add(
    *, course_id: int, job_title: str = "", location: Location | None = None
) -> AssignmentRule:
    """The rule assigning a course to staff of that job title (any when empty) at that
    location (any when None); an equal rule that exists already is returned as it is."""
    existing = AssignmentRule.objects.filter(
        course_id=course_id, job_title__iexact=job_title, location=location
    ).first()
    return existing or AssignmentRule.objects.create(
        course_id=course_id, job_title=job_title, location=location
    )


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


# --- extensions and exemptions -----------------------------------------------------------------

ADJUSTMENT_NO_REASON = _("Give a reason: it is kept with the record.")
ADJUSTMENT_REASON_TOO_LONG = _("Keep the reason under %(limit)d characters.")
ADJUSTMENT_COMPLETED = _(
    "%(name)s completed this training on %(date)s: there is nothing to extend or exempt."
)
ADJUSTMENT_NOT_LATER = _("The new due date must be after the current one, %(date)s.")
ADJUSTMENT_IN_THE_PAST = _("The new due date cannot be in the past (today is %(date)s).")
ADJUSTMENT_AFTER_CYCLE = _(
    "The new due date must fall within the cycle %(cycle)s, which ends on %(date)s."
)
ADJUSTMENT_ALREADY_EXEMPT = _("%(name)s is already exempt from %(cycle)s.")
REASON_LIMIT = 1000


class AdjustmentRefused(Exception):
    """An extension or exemption that may not be recorded; nothing was written. `code` names
    the rule (no_reason, reason_too_long, completed, not_later, in_the_past, after_cycle,
    already_exempt) and `message` says it to a person."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def _assignment_for_adjustment(assignment_id: int, reason: str) -> tuple[Assignment, str]:
    # The row is locked so that two administrators deciding at once are ordered, and each
    # checks against the other's decision (PostgreSQL; SQLite writes one at a time anyway).
    reason = reason.strip()
    if not reason:
        raise AdjustmentRefused("no_reason", str(ADJUSTMENT_NO_REASON))
    if len(reason) > REASON_LIMIT:
        raise AdjustmentRefused(
            "reason_too_long", str(ADJUSTMENT_REASON_TOO_LONG) % {"limit": REASON_LIMIT}
        )
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("staff", "cycle")
        .get(pk=assignment_id)
    )
    if assignment.completed_at is not None:
        raise AdjustmentRefused(
            "completed",
            str(ADJUSTMENT_COMPLETED)
            % {
                "name": assignment.staff.full_name,
                "date": date_format(
                    timezone.localdate(assignment.completed_at), short_date_format()
                ),
            },
        )
    return assignment_adjustment_attach(assignment), reason


@transaction.atomic
def assignment_extend(
    *, assignment_id: int, due_on: date, reason: str, by, today: date | None = None
) -> AssignmentAdjustment:
    """Extend an assignment's due date to `due_on`, with a reason; an exemption, if any, ends.
    The new date must be later than the current effective one, not in the past, and within
    the cycle. Raises AdjustmentRefused (see its codes)."""
    today = today or timezone.localdate()
    assignment, reason = _assignment_for_adjustment(assignment_id, reason)
    if due_on <= assignment.effective_due_on:
        raise AdjustmentRefused(
            "not_later",
            str(ADJUSTMENT_NOT_LATER)
            % {"date": date_format(assignment.effective_due_on, short_date_format())},
        )
    if due_on < today:
        raise AdjustmentRefused(
            "in_the_past",
            str(ADJUSTMENT_IN_THE_PAST) % {"date": date_format(today, short_date_format())},
        )
    if due_on > assignment.cycle.ends_on:
        raise AdjustmentRefused(
            "after_cycle",
            str(ADJUSTMENT_AFTER_CYCLE)
            % {
                "cycle": assignment.cycle.name,
                "date": date_format(assignment.cycle.ends_on, short_date_format()),
            },
        )
    adjustment = AssignmentAdjustment(
        assignment=assignment,
        kind=AssignmentAdjustment.Kind.EXTENSION,
        due_on=due_on,
        reason=reason,
        made_by=by,
    )
    adjustment.full_clean()
    adjustment.save()
    audit(
        instance=assignment, action=EXTEND_ACTION, user=by, due_on=due_on.isoformat(), reason=reason
    )
    return adjustment


@transaction.atomic
def assignment_exempt(*, assignment_id: int, reason: str, by) -> AssignmentAdjustment:
    """Exempt the person from the assignment's cycle (long-term leave, say), with a reason: they
    are counted apart in the figures and get no reminders. An extension later ends it. Raises
    AdjustmentRefused (see its codes)."""
    assignment, reason = _assignment_for_adjustment(assignment_id, reason)
    if assignment.adjustment_kind == AssignmentAdjustment.Kind.EXEMPTION:
        raise AdjustmentRefused(
            "already_exempt",
            str(ADJUSTMENT_ALREADY_EXEMPT)
            % {"name": assignment.staff.full_name, "cycle": assignment.cycle.name},
        )
    adjustment = AssignmentAdjustment(
        assignment=assignment,
        kind=AssignmentAdjustment.Kind.EXEMPTION,
        reason=reason,
        made_by=by,
    )
    adjustment.full_clean()
    adjustment.save()
    audit(instance=assignment, action=EXEMPT_ACTION, user=by, reason=reason)
    return adjustment
