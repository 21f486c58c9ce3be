"""Write-side rules of the roster: applying an import, login accounts and invitations,
training cycles and assignments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from jobs.models import OutgoingEmail
from jobs.services import email_queue

from .models import Assignment, Location, RosterChange, RosterImport, Staff, TrainingCycle
from .roster import RosterPlan, RosterRow, roster_plan
from .selectors import (
    Invitations,
    NotInvited,
    Skipped,
    assignments_missing,
    invitations_plan,
)

BATCH_SIZE = 1000


class RosterInvalid(Exception):
    """The roster has rejected rows and --skip-invalid was not given: nothing was written."""

    def __init__(self, plan: RosterPlan):
        self.plan = plan
        super().__init__(f"{len(plan.rejected)} row(s) rejected; nothing was imported")


@dataclass
class RosterApplied:
    """What applying a plan did: the staff created, updated (with each field's old and new
    value), marked inactive, and the locations that did not exist before."""

    created: list[Staff] = field(default_factory=list)
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


@transaction.atomic
def roster_apply(*, plan: RosterPlan, skip_invalid: bool = False) -> RosterApplied:
    """Write a roster plan in one transaction, in batches (a constant number of queries per
    batch, never one per row). New staff get an inactive login account (username = work
    e-mail) until they accept their invitation, and an assignment in the current cycle.
    Returns what was written.

    Raises RosterInvalid, writing nothing, when rows were rejected and skip_invalid is False.
    """
    if plan.rejected and not skip_invalid:
        raise RosterInvalid(plan)
    rows = plan.new + [row for row, _, _ in plan.updated]
    locations, new_locations = _locations_ensure({row.location for row in rows})

    User = get_user_model()
    new_users = [
        User(
            username=row.email,
            email=row.email,
            first_name=row.first_name[:150],
            last_name=row.last_name[:150],
            is_active=False,
        )
        for row in plan.new
    ]
    for user in new_users:
        user.set_unusable_password()
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    users = {u.username: u for u in User.objects.filter(username__in=[r.email for r in plan.new])}

    new_staff = [
        Staff(**_staff_fields(row, locations), user=users.get(row.email)) for row in plan.new
    ]
    Staff.objects.bulk_create(new_staff, batch_size=BATCH_SIZE)
    if new_staff and new_staff[0].pk is None:  # a database that does not return new ids
        ids = dict(
            Staff.objects.filter(employee_id__in=[s.employee_id for s in new_staff]).values_list(
                "employee_id", "pk"
            )
        )
        for staff in new_staff:
            staff.pk = ids[staff.employee_id]

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
    Staff.objects.bulk_update(
        changed_staff,
        ["first_name", "last_name", "email", "location", "job_title", "hire_date", "is_active"],
        batch_size=BATCH_SIZE,
    )
    _users_follow_roster(renamed_users)

    for staff in plan.deactivated:
        staff.is_active = False
    Staff.objects.bulk_update(plan.deactivated, ["is_active"], batch_size=BATCH_SIZE)

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


def _locations_ensure(names: set[str]) -> tuple[dict[str, Location], list[str]]:
    """The locations by name, creating those missing; and the names of those created."""
    existing = {loc.name: loc for loc in Location.objects.filter(name__in=names)}
    created = sorted(names - set(existing))
    Location.objects.bulk_create([Location(name=n) for n in created])
    return {loc.name: loc for loc in Location.objects.filter(name__in=names)}, created


def _users_follow_roster(changes: list[tuple[int, RosterRow]]) -> None:
    """A changed e-mail or name in HR's roster changes the login account too."""
    if not changes:
        return
    User = get_user_model()
    users = User.objects.in_bulk([user_id for user_id, _ in changes])
    for user_id, row in changes:
        user = users[user_id]
        user.username = user.email = row.email
        user.first_name, user.last_name = row.first_name[:150], row.last_name[:150]
    User.objects.bulk_update(
        list(users.values()), ["username", "email", "first_name", "last_name"], batch_size=1000
    )


def roster_import_apply(*, roster_import_id: int, by=None) -> tuple[RosterImport, bool]:
    """Apply an uploaded roster file and record what it did (RosterChange rows and the
    summary, with the new locations) in the same transaction. The file is planned inside the
    transaction, with the import row locked, so two clicks on "Apply" import once: the second
    finds it applied and returns (import, False).

    Raises RosterInvalid, writing nothing, when rows were rejected and the upload did not ask
    to import the valid rows; RosterImport.DoesNotExist for an unknown id.
    """
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import_id)
        if locked.applied_at is not None:
            return locked, False
        plan = roster_plan(
            locked.content.encode("utf-8"), deactivate_missing=locked.deactivate_missing
        )
        applied = roster_apply(plan=plan, skip_invalid=locked.skip_invalid)
        RosterChange.objects.bulk_create(
            _roster_changes(locked, applied, plan=plan), batch_size=BATCH_SIZE
        )
        locked.applied_at = timezone.now()
        locked.applied_by = by
        locked.summary = applied.summary() | {
            "rejected_rows": [
                {"line": r.line, "column": r.column, "reason": r.reason} for r in plan.rejected
            ]
        }
        locked.save(update_fields=["applied_at", "applied_by", "summary"])
    return locked, True


def _roster_changes(
    roster_import: RosterImport, applied: RosterApplied, *, plan: RosterPlan
) -> list[RosterChange]:
    location_names = {row.employee_id: row.location for row in plan.new}
    location_names |= {row.employee_id: row.location for row, _, _ in plan.updated}
    former = {s.pk: s.location_id for s in applied.deactivated}
    former_names = dict(
        Location.objects.filter(pk__in=set(former.values())).values_list("pk", "name")
    )
    Action = RosterChange.Action

    def change(staff, action, location, changes=()):
        return RosterChange(
            roster_import=roster_import,
            staff_id=staff.pk,
            action=action,
            employee_id=staff.employee_id,
            full_name=staff.full_name,
            location_name=location,
            changes=list(changes),
        )

    return (
        [change(s, Action.CREATED, location_names[s.employee_id]) for s in applied.created]
        + [
            change(s, Action.UPDATED, location_names[s.employee_id], _json_ready(c))
            for s, c in applied.updated
        ]
        + [change(s, Action.DEACTIVATED, former_names[former[s.pk]]) for s in applied.deactivated]
    )


def _json_ready(changes: list[dict]) -> list[dict]:
    def value(v):
        return v.isoformat() if isinstance(v, date) else v

    return [{"field": c["field"], "old": value(c["old"]), "new": value(c["new"])} for c in changes]


# --- invitations -----------------------------------------------------------------------------


def invitation_url(*, user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
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
    for member in plan.invited:
        context = {
            "staff": member,
            "url": invitation_url(user=member.user, base_url=base_url),
            "district": settings.DISTRICT_NAME,
            "assignment": due.get(member.pk),
            "sender": sender,
        }
        with transaction.atomic():
            claimed = Staff.objects.filter(pk=member.pk, invited_at=member.invited_at).update(
                invited_at=now
            )
            if not claimed:
                member.refresh_from_db(fields=["invited_at"])
                result.skipped.append(Skipped(member, NotInvited.ALREADY_INVITED))
                continue
            email_queue(
                kind=OutgoingEmail.Kind.INVITATION,
                to=member.email,
                subject=f"{settings.DISTRICT_NAME}: set your password for your training",
                body=render_to_string("staff/email/invitation.txt", context),
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
        return formats.date_format(value, "M j, Y")

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
def cycle_open(*, year: int, **overrides) -> tuple[TrainingCycle, int]:
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
    return cycle, assignments_ensure(cycle=cycle)


def assignments_ensure(*, cycle: TrainingCycle) -> int:
    """Give every active staff member without one an assignment in `cycle` (the ones
    assignments_missing lists). The unique (staff, cycle) constraint makes a concurrent second
    call add nothing."""
    assignments = assignments_missing(cycle=cycle)
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(assignments)
