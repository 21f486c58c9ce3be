"""Reading a OneRoster 1.2 CSV bundle (the export of a student information system) into the
same rows HR's CSV import checks, plans and applies: the preview, the apply, the audit record
and the all-or-nothing are HR's CSV import's own (staff.roster.rows_plan and
staff.services.roster_apply).

A bundle is a zip (or, for the management command, a folder) holding manifest.csv, users.csv,
orgs.csv and roles.csv; other OneRoster files (classes, enrollments...) are ignored. How a
person becomes a roster row:

- Staff are the users with a staff role in roles.csv (teacher, administrator, aide,
  counselor, principal, districtAdministrator, siteAdministrator, systemAdministrator,
  proctor, or an `ext:` role). Users whose roles are all student, guardian, parent or
  relative are ignored and counted, as are users with no role.
- The employee id is users.csv's `identifier` (setting ONEROSTER_EMPLOYEE_ID = "identifier",
  the default); "sourcedId" takes the sourcedId, and "userIds:HR" the `{HR:...}` entry of
  userIds.
- Location and job title come from one staff role: the primary one (roleType), else the
  first in roles.csv; a role at a school or other org wins over one at the district. The
  location is the org's name (the district's own name for district-only staff); the job
  title is the role's label ("District administrator").
- The hire date is the earliest beginDate of the person's staff roles; without one, someone
  already on the roster keeps theirs and someone new is taken as hired on the day of the
  import.
- Inactive: status tobedeleted, enabledUser false, or no staff role still current (each
  tobedeleted or past its endDate). A tobedeleted person who is not on the roster is never
  added.
- dateLastModified: the latest of the person's user, staff roles and org is stored when an
  import changes them; a later bundle whose records are not newer changes nothing.

Problems with the bundle as a whole (not a zip, a file missing, a wrong version, a missing
column) raise RosterFileError; problems with a record are Rejections naming the file, the
line and the field, as HR's CSV's are.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from .models import Staff
from .roster import (
    MAX_LENGTHS,
    USERNAME_MAX_LENGTH,
    Rejection,
    RosterFileError,
    RosterPlan,
    RosterRow,
    roster_plan,
    rows_plan,
)

MANIFEST, USERS, ORGS, ROLES = "manifest.csv", "users.csv", "orgs.csv", "roles.csv"
BUNDLE_FILES = (MANIFEST, USERS, ORGS, ROLES)
MANIFEST_VERSION = "1.0"
ONEROSTER_VERSION = "1.2"
PROCESSING_MODES = ("bulk", "delta")
# The columns read from each file (the specification's others are allowed and ignored).
COLUMNS = {
    MANIFEST: ["propertyName", "value"],
    USERS: [
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "givenName",
        "familyName",
        "identifier",
        "email",
    ],
    ORGS: ["sourcedId", "status", "dateLastModified", "name", "type"],
    ROLES: [
        "sourcedId",
        "status",
        "dateLastModified",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "userSourcedId",
        "orgSourcedId",
    ],
}
# OneRoster 1.2's staff roles and the job title each becomes (job titles are roster data, as
# HR's CSV writes them, so they are not translated).
STAFF_ROLES = {
    "teacher": "Teacher",
    "administrator": "Administrator",
    "aide": "Aide",
    "counselor": "Counselor",
    "principal": "Principal",
    "districtAdministrator": "District administrator",
    "siteAdministrator": "Site administrator",
    "systemAdministrator": "System administrator",
    "proctor": "Proctor",
}
NOT_STAFF_ROLES = {"student", "guardian", "parent", "relative"}
ROLE_TYPES = ("primary", "secondary")
STATUSES = ("active", "tobedeleted")
DISTRICT = "district"
# An uploaded zip may hold other OneRoster files; this caps what unpacking it may take.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class _Org:
    line: int
    name: str
    type: str
    modified_at: datetime | None


@dataclass
class _Role:
    line: int
    role: str
    primary: bool
    current: bool
    begin: date | None
    org_id: str
    modified_at: datetime | None


@dataclass
class _User:
    line: int
    employee_id: str
    cells: dict[str, str]
    modified_at: datetime | None
    roles: list[_Role] = field(default_factory=list)
    # Set when one of this person's roles was rejected: they are left out.
    rejected: bool = False


@dataclass
class BundleRows:
    """What a bundle holds for the roster: its rows and rejections, and what it leaves out."""

    source: str
    users_mode: str
    rows: list[RosterRow]
    rejected: list[Rejection]
    # Employee ids of users marked tobedeleted: they may deactivate, never add, someone.
    to_be_deleted: frozenset[str]
    students_ignored: int = 0
    without_role_ignored: int = 0
    # Employee ids of users marked tobedeleted whose roles are gone from roles.csv: no row,
    # but whoever is on the roster with that id is marked inactive.
    deleted_without_role: set[str] = field(default_factory=set)


def is_zip(data: bytes) -> bool:
    return data[:4] in ZIP_MAGIC


def roster_upload_plan(data: bytes, *, deactivate_missing: bool = False) -> RosterPlan:
    """The plan of an uploaded roster, told apart by its content: a zip is read as a OneRoster
    1.2 bundle, anything else as HR's CSV. Raises RosterFileError for an unreadable file."""
    if is_zip(data):
        return bundle_plan(files_from_zip(data), deactivate_missing=deactivate_missing)
    return roster_plan(data, deactivate_missing=deactivate_missing)


def files_from_zip(data: bytes) -> dict[str, bytes]:
    """The bundle's CSV files by name. They may sit at the zip's top level or in one folder
    (what zipping a folder gives). Raises RosterFileError for a damaged zip, one without a
    manifest.csv, or one that unpacks to more than MAX_UNPACKED_BYTES."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise RosterFileError(
                f"The zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB: is it the "
                "right file? Export only the OneRoster CSV files."
            )
        by_name: dict[str, zipfile.ZipInfo] = {}
        for member in members:
            name = member.filename.rsplit("/", 1)[-1]
            if name in BUNDLE_FILES:
                if name in by_name:
                    raise RosterFileError(
                        f"The zip holds {name} twice ({by_name[name].filename} and "
                        f"{member.filename}): put one OneRoster export in it."
                    )
                by_name[name] = member
        if MANIFEST not in by_name:
            raise RosterFileError(
                "The zip holds no manifest.csv, so it is not a OneRoster 1.2 export: upload "
                "the zip your student information system exported (manifest.csv, users.csv, "
                "orgs.csv, roles.csv), or HR's roster CSV."
            )
        return {name: archive.read(member) for name, member in by_name.items()}
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,  # a compression method zipfile lacks
        RuntimeError,  # an encrypted zip
    ) as exc:
        raise RosterFileError(
            f"The zip cannot be read ({exc}): it is damaged or cut short. Export it again."
        ) from exc


def files_from_folder(folder: Path) -> dict[str, bytes]:
    """The bundle's CSV files in a folder. Raises RosterFileError when one cannot be read."""
    files = {}
    for name in BUNDLE_FILES:
        path = folder / name
        if path.exists():
            try:
                files[name] = path.read_bytes()
            except OSError as exc:
                raise RosterFileError(f"Cannot read {name}: {exc.strerror}.") from exc
    return files


def bundle_plan(files: dict[str, bytes], *, deactivate_missing: bool = False) -> RosterPlan:
    """What importing the bundle would change (writes nothing). Raises RosterFileError for a
    bundle that cannot be read as a whole, and when staff missing from a delta would be marked
    inactive (a delta lists only what changed)."""
    read = bundle_rows(files, today=timezone.localdate())
    if deactivate_missing and read.users_mode == "delta":
        raise RosterFileError(
            "manifest.csv says users.csv is a delta (only the people who changed), so staff "
            "who are not in it cannot be marked inactive: import it without marking missing "
            "staff inactive, or export a bulk file."
        )
    rows = _hire_dates_filled(read.rows, today=timezone.localdate())
    plan = rows_plan(
        rows,
        rejected=read.rejected,
        deactivate_missing=deactivate_missing,
        never_new=read.to_be_deleted,
        source_file=USERS,
        id_column=_employee_id_field(),
    )
    if read.deleted_without_role:
        leaving = set(plan.deactivated)
        plan.deactivated += [
            staff
            for staff in Staff.objects.filter(
                employee_id__in=read.deleted_without_role, is_active=True
            )
            if staff not in leaving
        ]
    plan.source = read.source
    plan.students_ignored = read.students_ignored
    plan.without_role_ignored = read.without_role_ignored
    return plan


def _hire_dates_filled(rows: list[RosterRow], *, today: date) -> list[RosterRow]:
    """Rows without a beginDate keep the hire date on the roster, or, if new, today's."""
    missing = [row.employee_id for row in rows if row.hire_date is None]
    if not missing:
        return rows
    known = dict(
        Staff.objects.filter(employee_id__in=missing).values_list("employee_id", "hire_date")
    )
    return [
        replace(row, hire_date=known.get(row.employee_id, today)) if row.hire_date is None else row
        for row in rows
    ]


def bundle_rows(files: dict[str, bytes], *, today: date) -> BundleRows:
    """Read and check the bundle: its roster rows (hire_date None where no role gives one),
    the rejected records and the counts of what it leaves out. Reads no database."""
    if MANIFEST not in files:
        raise RosterFileError(
            "There is no manifest.csv, so this is not a OneRoster 1.2 export: it needs "
            "manifest.csv, users.csv, orgs.csv and roles.csv."
        )
    modes = _manifest(files)
    for name in (USERS, ORGS, ROLES):
        if name not in files:
            raise RosterFileError(
                f"manifest.csv says {name} is {modes[name]}, but the bundle has no {name}: "
                "export the bundle again."
            )
    rejected: list[Rejection] = []
    orgs, bad_orgs = _orgs(_records(ORGS, files[ORGS]), rejected)
    users = _users(_records(USERS, files[USERS]), rejected)
    _roles(_records(ROLES, files[ROLES]), users, orgs, bad_orgs, rejected, today=today)
    result = BundleRows(
        source=f"OneRoster {ONEROSTER_VERSION} ({modes[USERS]})",
        users_mode=modes[USERS],
        rows=[],
        rejected=rejected,
        to_be_deleted=frozenset(
            u.employee_id for u in users.values() if u.cells["status"] == "tobedeleted"
        ),
    )
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for user in users.values():
        staff_roles = [r for r in user.roles if r.role not in NOT_STAFF_ROLES]
        if not user.roles:
            if user.cells["status"] == "tobedeleted" and user.employee_id:
                result.deleted_without_role.add(user.employee_id)
            else:
                result.without_role_ignored += 1
            continue
        if not staff_roles:
            result.students_ignored += 1
            continue
        if user.rejected:
            continue
        row, problem = _row(user, staff_roles, orgs)
        if problem is None and row.employee_id in seen_ids:
            problem = Rejection(
                user.line,
                _employee_id_field(),
                f"duplicate employee id {row.employee_id} (also on line "
                f"{seen_ids[row.employee_id]})",
                row.employee_id,
                USERS,
            )
        if problem is None and row.email and row.email in seen_emails:
            problem = Rejection(
                user.line,
                "email",
                f"{row.email} is also on line {seen_emails[row.email]}",
                row.employee_id,
                USERS,
            )
        if problem is not None:
            rejected.append(problem)
            continue
        seen_ids[row.employee_id] = user.line
        if row.email:
            seen_emails[row.email] = user.line
        result.rows.append(row)
    rejected.sort(key=lambda r: (BUNDLE_FILES.index(r.file), r.line))
    return result


def _manifest(files: dict[str, bytes]) -> dict[str, str]:
    """Check manifest.csv; return each roster file's processing mode (bulk or delta)."""
    properties: dict[str, tuple[int, str]] = {}
    for line, cells in _records(MANIFEST, files[MANIFEST]):
        properties[cells["propertyName"]] = (line, cells["value"])

    def expect(name: str, wanted: str):
        line, value = properties.get(name, (None, ""))
        if line is None:
            raise RosterFileError(
                f"manifest.csv has no {name} line: a OneRoster {ONEROSTER_VERSION} manifest "
                f"says {name},{wanted}."
            )
        if value != wanted:
            raise RosterFileError(
                f'manifest.csv, line {line}, field value: {name} is "{value}"; this import '
                f"reads OneRoster {ONEROSTER_VERSION} (manifest {MANIFEST_VERSION}). Export "
                f"the roster as OneRoster {ONEROSTER_VERSION} CSV."
            )

    expect("manifest.version", MANIFEST_VERSION)
    expect("oneroster.version", ONEROSTER_VERSION)
    modes = {}
    for name in (USERS, ORGS, ROLES):
        key = f"file.{name.removesuffix('.csv')}"
        line, value = properties.get(key, (None, ""))
        if line is None:
            raise RosterFileError(f"manifest.csv has no {key} line: it must say bulk or delta.")
        if value not in PROCESSING_MODES:
            raise RosterFileError(
                f'manifest.csv, line {line}, field value: {key} is "{value}"; the roster '
                f"needs {name}, as bulk or delta."
            )
        modes[name] = value
    return modes


def _records(name: str, data: bytes):
    """(line, {column: value}) for each non-blank record of one of the bundle's files.
    Raises RosterFileError for a file that is not UTF-8 CSV or lacks a column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"{name} is not UTF-8 text (byte {exc.start + 1}): export the bundle again as UTF-8."
        ) from exc
    if "\x00" in text:
        raise RosterFileError(f"{name} holds binary data (a NUL character): export it again.")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        missing = [column for column in COLUMNS[name] if column not in header]
        if missing:
            raise RosterFileError(
                f"{name}, line 1: the column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing; "
                f"OneRoster {ONEROSTER_VERSION}'s {name} names "
                f"{', '.join(COLUMNS[name])} in its first line."
            )
        index = {column: header.index(column) for column in header}
        for raw in reader:
            if not any(cell.strip() for cell in raw):
                continue
            yield (
                reader.line_num,
                {column: (raw[i].strip() if i < len(raw) else "") for column, i in index.items()},
            )
    except csv.Error as exc:
        raise RosterFileError(
            f"{name}, line {reader.line_num}: {exc}. Nothing was imported."
        ) from exc


def _modified(value: str) -> datetime | None:
    """dateLastModified (ISO 8601, UTC); None when blank (a bulk file may leave it so).
    Raises ValueError for something else."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _common(name: str, line: int, cells: dict, rejected: list, employee_id: str = ""):
    """Check sourcedId, status and dateLastModified; (dateLastModified, ok)."""

    def reject(column, reason):
        rejected.append(Rejection(line, column, reason, employee_id, name))
        return None, False

    if not cells["sourcedId"]:
        return reject("sourcedId", "missing value")
    if cells["status"] and cells["status"] not in STATUSES:
        return reject("status", f'"{cells["status"]}" is not active or tobedeleted')
    try:
        return _modified(cells["dateLastModified"]), True
    except ValueError:
        return reject(
            "dateLastModified",
            f'"{cells["dateLastModified"]}" is not a date and time '
            "(use ISO 8601, e.g. 2026-08-01T12:00:00.000Z)",
        )


def _duplicate(name, line, cells, seen: dict, rejected: list, employee_id: str = "") -> bool:
    earlier = seen.get(cells["sourcedId"])
    if earlier is None:
        return False
    reason = f"duplicate sourcedId {cells['sourcedId']} (also on line {earlier})"
    rejected.append(Rejection(line, "sourcedId", reason, employee_id, name))
    return True


def _orgs(records, rejected: list[Rejection]) -> tuple[dict[str, _Org], dict[str, int]]:
    """The orgs by sourcedId, and those rejected (by sourcedId, their line)."""
    orgs: dict[str, _Org] = {}
    bad: dict[str, int] = {}
    lines: dict[str, int] = {}
    limit = MAX_LENGTHS["location"]
    for line, cells in records:
        if _duplicate(ORGS, line, cells, lines, rejected):
            continue
        modified_at, ok = _common(ORGS, line, cells, rejected)
        if ok and not cells["name"]:
            rejected.append(Rejection(line, "name", "missing value", "", ORGS))
            ok = False
        if ok and len(cells["name"]) > limit:
            reason = f"{len(cells['name'])} characters, more than the {limit} allowed"
            rejected.append(Rejection(line, "name", reason, "", ORGS))
            ok = False
        if cells["sourcedId"]:
            lines[cells["sourcedId"]] = line
        if not ok:
            if cells["sourcedId"]:
                bad[cells["sourcedId"]] = line
            continue
        orgs[cells["sourcedId"]] = _Org(line, cells["name"], cells["type"], modified_at)
    return orgs, bad


def _employee_id_field() -> str:
    rule = settings.ONEROSTER_EMPLOYEE_ID
    return "userIds" if rule.startswith("userIds:") else rule


def _employee_id(cells: dict[str, str]) -> str:
    """The employee id by the district's rule (settings.ONEROSTER_EMPLOYEE_ID)."""
    rule = settings.ONEROSTER_EMPLOYEE_ID
    if not rule.startswith("userIds:"):
        return cells.get(rule, "")
    wanted = rule.removeprefix("userIds:")
    # userIds is a list like {HR:E-1001},{LDAP:jdoe}
    for kind, value in re.findall(r"\{([^:{}]*):([^{}]*)\}", cells.get("userIds", "")):
        if kind.strip() == wanted:
            return value.strip()
    return ""


def _users(records, rejected: list[Rejection]) -> dict[str, _User]:
    users: dict[str, _User] = {}
    lines: dict[str, int] = {}
    for line, cells in records:
        employee_id = _employee_id(cells)
        if _duplicate(USERS, line, cells, lines, rejected, employee_id):
            continue
        modified_at, ok = _common(USERS, line, cells, rejected, employee_id)
        if cells["sourcedId"]:
            lines[cells["sourcedId"]] = line
        if ok:
            users[cells["sourcedId"]] = _User(line, employee_id, cells, modified_at)
    return users


def _roles(records, users, orgs, bad_orgs, rejected, *, today: date) -> None:
    """Attach each role to its user; reject those that cannot be read or point at an unknown
    user or org (and leave that user out). A student's, guardian's, parent's or relative's
    role is only counted: those people are not imported, so a problem with their org or dates
    must not hold up the staff."""
    lines: dict[str, int] = {}
    for line, cells in records:
        user = users.get(cells["userSourcedId"])
        employee_id = user.employee_id if user else ""

        def reject(column, reason, user=user, line=line, employee_id=employee_id):
            rejected.append(Rejection(line, column, reason, employee_id, ROLES))
            if user is not None:
                user.rejected = True

        if _duplicate(ROLES, line, cells, lines, rejected, employee_id):
            if user is not None:
                user.rejected = True
            continue
        if cells["sourcedId"]:
            lines[cells["sourcedId"]] = line
        modified_at, ok = _common(ROLES, line, cells, rejected, employee_id)
        if not ok:
            if user is not None:
                user.rejected = True
            continue
        role = cells["role"]
        if user is None:
            reject(
                "userSourcedId",
                f'no user with sourcedId "{cells["userSourcedId"]}" in users.csv',
            )
            continue
        if role in NOT_STAFF_ROLES:
            user.roles.append(_Role(line, role, False, False, None, "", modified_at))
            continue
        if role not in STAFF_ROLES and not role.startswith("ext:"):
            reject("role", f'"{role}" is not a OneRoster {ONEROSTER_VERSION} role')
            continue
        if cells["roleType"] not in ROLE_TYPES:
            reject("roleType", f'"{cells["roleType"]}" is not primary or secondary')
            continue
        org_id = cells["orgSourcedId"]
        if org_id in bad_orgs:
            reason = f'the org "{org_id}" is rejected (orgs.csv line {bad_orgs[org_id]})'
            reject("orgSourcedId", reason)
            continue
        if org_id not in orgs:
            reject("orgSourcedId", f'no org with sourcedId "{org_id}" in orgs.csv')
            continue
        dates = {}
        for column in ("beginDate", "endDate"):
            try:
                dates[column] = date.fromisoformat(cells[column]) if cells[column] else None
            except ValueError:
                reject(column, f'"{cells[column]}" is not a date (use YYYY-MM-DD)')
                break
        if len(dates) < 2:
            continue
        end = dates["endDate"]
        current = cells["status"] != "tobedeleted" and (end is None or end >= today)
        user.roles.append(
            _Role(
                line,
                role,
                cells["roleType"] == "primary",
                current,
                dates["beginDate"],
                org_id,
                modified_at,
            )
        )


def job_title(role: str) -> str:
    """The job title a role becomes: "District administrator"; "ext:speechTherapist" becomes
    "Speech therapist"."""
    if role in STAFF_ROLES:
        return STAFF_ROLES[role]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", role.removeprefix("ext:")).lower().strip()
    return words[:1].upper() + words[1:]


def _row(
    user: _User, staff_roles: list[_Role], orgs: dict[str, _Org]
) -> tuple[RosterRow | None, Rejection | None]:
    cells = user.cells
    id_field = _employee_id_field()

    def reject(column, reason):
        return None, Rejection(user.line, column, reason, user.employee_id, USERS)

    values = {
        "employee_id": (id_field, user.employee_id),
        "first_name": ("givenName", cells["givenName"]),
        "last_name": ("familyName", cells["familyName"]),
        "email": ("email", cells["email"]),
    }
    for name in ("employee_id", "first_name", "last_name"):
        column, value = values[name]
        if not value:
            return reject(column, "missing value")
    for name, (column, value) in values.items():
        if len(value) > MAX_LENGTHS[name]:
            return reject(
                column, f"{len(value)} characters, more than the {MAX_LENGTHS[name]} allowed"
            )
    email = cells["email"]
    if len(email or user.employee_id) > USERNAME_MAX_LENGTH:
        return reject(
            "email" if email else id_field,
            f"more than the {USERNAME_MAX_LENGTH} characters a sign-in name allows",
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return reject("email", f'"{email}" is not a valid e-mail address')
    enabled = cells["enabledUser"].lower()
    if enabled not in ("", "true", "false"):
        return reject("enabledUser", f'"{cells["enabledUser"]}" is not true or false')

    current = [r for r in staff_roles if r.current]
    chosen = min(
        current or staff_roles,
        key=lambda r: (not r.primary, orgs[r.org_id].type == DISTRICT, r.line),
    )
    org = orgs[chosen.org_id]
    begins = [r.begin for r in staff_roles if r.begin is not None]
    stamps = [user.modified_at, org.modified_at] + [r.modified_at for r in staff_roles]
    stamps = [s for s in stamps if s is not None]
    return (
        RosterRow(
            line=user.line,
            employee_id=user.employee_id,
            first_name=cells["givenName"],
            last_name=cells["familyName"],
            email=email.lower(),
            location=org.name,
            job_title=job_title(chosen.role)[: MAX_LENGTHS["job_title"]],
            hire_date=min(begins) if begins else None,
            active=cells["status"] != "tobedeleted" and enabled != "false" and bool(current),
            modified_at=max(stamps) if stamps else None,
        ),
        None,
    )
