"""Reading HR's roster CSV and working out what an import would change (a plan), without
writing anything. staff.services.roster_apply writes a plan.

Columns by header name in any order: employee_id, first_name, last_name, email, location,
job_title, hire_date, active. UTF-8 with or without BOM, comma or semicolon separated, dates
as YYYY-MM-DD or MM/DD/YYYY. Extra columns (and a trailing empty one) are ignored. The e-mail may
be empty (staff without a work e-mail); a malformed one is rejected.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from eupsite.bulk import many_values

from .models import Location, Staff

USERNAME_MAX_LENGTH = get_user_model()._meta.get_field("username").max_length

REQUIRED_COLUMNS = [
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "location",
    "job_title",
    "hire_date",
    "active",
]
# Read when the file has it; a file without it leaves each account's language as it is.
LANGUAGE_COLUMN = "language"
# How HR's systems write a language, in either language: the code the site keeps.
LANGUAGE_WORDS = {
    "en": "en",
    "english": "en",
    "inglés": "en",
    "ingles": "en",
    "es": "es",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "": "",
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
TRUE_WORDS = {"yes", "y", "true", "1", "active"}
FALSE_WORDS = {"no", "n", "false", "0", "inactive"}
# What an import compares with the database: every column but the id it matches on.
COMPARED_FIELDS = [column for column in REQUIRED_COLUMNS if column != "employee_id"]


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster (one sentence saying why)."""


@dataclass(frozen=True)
class RosterRow:
    line: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    location: str
    job_title: str
    hire_date: date
    active: bool
    # When the source system last changed this person (OneRoster's dateLastModified, the
    # latest of their user, role and org records); None for HR's CSV, which has no such date.
    modified_at: datetime | None = None
    # The language of the person's e-mails and pages ("en", "es"; "" for the browser's), or
    # None when the file has no language column.
    language: str | None = None

    def values(self) -> dict:
        values = {name: getattr(self, name) for name in COMPARED_FIELDS}
        if self.language is not None:
            values[LANGUAGE_COLUMN] = self.language
        return values


@dataclass(frozen=True)
class Rejection:
    line: int
    column: str
    reason: str
    employee_id: str = ""
    # The file of a bundle the line is in (OneRoster's users.csv, roles.csv...); empty for
    # HR's CSV, which is one file.
    file: str = ""

    def __str__(self):
        if self.file:
            return f"{self.file}, line {self.line}, field {self.column}: {self.reason}"
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class NewLocation:
    """A location the import would create, and an existing one whose name is so close that
    this may be a typo for it ("Maple St. Elementary School" for "Maple Street …")."""

    name: str
    similar_to: str = ""


@dataclass
class RosterPlan:
    new: list[RosterRow] = field(default_factory=list)
    updated: list[tuple[RosterRow, Staff, list[str]]] = field(default_factory=list)
    unchanged: list[RosterRow] = field(default_factory=list)
    deactivated: list[Staff] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    ignored_duplicates: list[tuple[int, int]] = field(default_factory=list)
    # Each updated employee's values before the import, by employee id (what "old" shows).
    before: dict[str, dict] = field(default_factory=dict)
    # Locations named by rows to be written that do not exist yet: importing creates them.
    new_locations: list[NewLocation] = field(default_factory=list)
    # New staff whose sign-in name is an existing login that belongs to nobody on the roster
    # (a principal who is also on HR's list): applying links the staff record to it.
    linked_logins: list[RosterRow] = field(default_factory=list)
    # How many staff are active now: what the share marked inactive is measured against.
    active_count: int = 0
    # What a OneRoster bundle held and the import leaves alone (all zero for HR's CSV):
    # students, guardians, parents and relatives; users with no role; people marked
    # tobedeleted who are not on the roster. And the rows counted unchanged because their
    # record is not newer than at the last import that changed them.
    source: str = ""
    students_ignored: int = 0
    without_role_ignored: int = 0
    deleted_ignored: int = 0
    not_newer: int = 0

    @property
    def deactivated_share(self) -> float:
        return len(self.deactivated) / self.active_count if self.active_count else 0.0

    @property
    def deactivation_needs_confirming(self) -> bool:
        """Marking more than ROSTER_DEACTIVATE_MAX_SHARE of the active staff inactive is what a
        headers-only or truncated file with "deactivate missing" would do: a person confirms
        the count first. A handful of leavers (fewer than ROSTER_DEACTIVATE_CONFIRM_FROM) never
        needs it, however small the roster."""
        return (
            len(self.deactivated) >= settings.ROSTER_DEACTIVATE_CONFIRM_FROM
            and self.deactivated_share > settings.ROSTER_DEACTIVATE_MAX_SHARE
        )

    @property
    def changes(self) -> int:
        return len(self.new) + len(self.updated) + len(self.deactivated)

    def summary(self) -> dict:
        return {
            "new": len(self.new),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "deactivated": len(self.deactivated),
            "rejected": len(self.rejected),
        }


def decode_roster(data: bytes) -> str:
    if not data.strip():
        raise RosterFileError("The file is empty: export the roster from HR again.")
    if b"\x00" in data[:4096]:
        raise RosterFileError("This is not a CSV file (it holds binary data): save it as CSV.")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise RosterFileError(
            f"Line {line} holds a NUL character (binary data, not text): the file is damaged. "
            "Export the roster from HR again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"The file is not UTF-8 text (byte {exc.start + 1}): save it as 'CSV UTF-8'."
        ) from exc


def read_rows(text: str) -> tuple[list[RosterRow], list[Rejection], list[tuple[int, int]]]:
    """Parse and check every row. Returns (good rows, rejections, ignored exact duplicates)."""
    text = text.lstrip("\ufeff")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise RosterFileError("The file is empty: export the roster from HR again.")
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;")
    except csv.Error as exc:
        raise RosterFileError(
            "This does not look like a CSV roster: the first line should name the columns "
            f"{', '.join(REQUIRED_COLUMNS)}, separated by commas or semicolons."
        ) from exc
    reader = csv.reader(io.StringIO(text), delimiter=dialect.delimiter)
    header = None
    for raw in reader:
        if any(cell.strip() for cell in raw):
            header = [cell.strip().lower().lstrip("\ufeff") for cell in raw]
            break
    missing = [c for c in REQUIRED_COLUMNS if c not in (header or [])]
    if missing:
        raise RosterFileError(
            f"The file lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            f"its first line must name the columns {', '.join(REQUIRED_COLUMNS)}."
        )
    index = {name: header.index(name) for name in REQUIRED_COLUMNS}
    if LANGUAGE_COLUMN in header:
        index[LANGUAGE_COLUMN] = header.index(LANGUAGE_COLUMN)

    rows: list[RosterRow] = []
    rejected: list[Rejection] = []
    duplicates: list[tuple[int, int]] = []
    seen_ids: dict[str, RosterRow] = {}
    seen_emails: dict[str, RosterRow] = {}
    for raw in _records(reader):
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue  # blank line
        cells = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
        row, problem = _check_row(line, cells)
        if problem:
            rejected.append(problem)
            continue
        earlier = seen_ids.get(row.employee_id)
        if earlier is not None:
            if earlier.values() == row.values():
                duplicates.append((line, earlier.line))
            else:
                reason = f"duplicate id {row.employee_id} (also on line {earlier.line})"
                rejected.append(Rejection(line, "employee_id", reason, row.employee_id))
            continue
        other = seen_emails.get(row.email.lower()) if row.email else None
        if other is not None:
            reason = f"{row.email} is also on line {other.line}, for {other.employee_id}"
            rejected.append(Rejection(line, "email", reason, row.employee_id))
            continue
        seen_ids[row.employee_id] = row
        if row.email:
            seen_emails[row.email.lower()] = row
        rows.append(row)
    return rows, rejected, duplicates


def _records(reader):
    """The CSV records, with what the csv module refuses (a cell over its size limit, a line
    break inside an unquoted cell) said as one sentence naming the line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            if "field larger than field limit" in str(exc):
                reason = (
                    f"a cell is longer than {csv.field_size_limit():,} characters: "
                    "is this the right file?"
                )
            elif "new-line character" in str(exc):
                reason = (
                    "a line break inside a cell that is not in quotes: put the cell in double "
                    "quotes, or remove the line break"
                )
            else:
                reason = str(exc)
            raise RosterFileError(f"Line {line}: {reason}. Nothing was imported.") from exc


# What the database holds for each column (longer is refused while planning, not on apply).
MAX_LENGTHS = {
    name: Staff._meta.get_field(name).max_length
    for name in ("employee_id", "first_name", "last_name", "email", "job_title")
} | {"location": Location._meta.get_field("name").max_length}


def _check_row(line: int, cells: dict[str, str]) -> tuple[RosterRow | None, Rejection | None]:
    """The row, or why it is rejected (the first problem found, with its column)."""
    employee_id = cells["employee_id"]

    def reject(column: str, reason: str):
        return None, Rejection(line, column, reason, employee_id)

    for name in ("employee_id", "first_name", "last_name", "location"):
        if not cells[name]:
            return reject(name, "missing value")
    for name, limit in MAX_LENGTHS.items():
        if len(cells[name]) > limit:
            return reject(name, f"{len(cells[name])} characters, more than the {limit} allowed")
    # The login account is named by the e-mail, or by the employee id without one.
    username = cells["email"] or cells["employee_id"]
    if len(username) > USERNAME_MAX_LENGTH:
        column = "email" if cells["email"] else "employee_id"
        return reject(
            column,
            f"{len(username)} characters, more than the {USERNAME_MAX_LENGTH} a sign-in name "
            "allows",
        )
    # An empty e-mail is someone without a work address (custodial, food-service and
    # transportation staff): they sign in with their employee id and a printed sign-in code.
    email = cells["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return reject("email", f'"{email}" is not a valid e-mail address')
    hire_date = _parse_date(cells["hire_date"])
    if hire_date is None:
        value = cells["hire_date"]
        return reject("hire_date", f'"{value}" is not a date (use YYYY-MM-DD or MM/DD/YYYY)')
    word = cells["active"].lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        return reject("active", f'"{cells["active"]}" is not yes or no')
    language = None
    if LANGUAGE_COLUMN in cells:
        language = LANGUAGE_WORDS.get(cells[LANGUAGE_COLUMN].lower())
        if language is None:
            return reject(
                LANGUAGE_COLUMN,
                f'"{cells[LANGUAGE_COLUMN]}" is not a language the site offers: write en '
                "(English) or es (Spanish), or leave it empty for the person's browser's",
            )
    return (
        RosterRow(
            line=line,
            employee_id=cells["employee_id"],
            first_name=cells["first_name"],
            last_name=cells["last_name"],
            email=email.lower(),
            location=cells["location"],
            job_title=cells["job_title"],
            hire_date=hire_date,
            active=word in TRUE_WORDS,
            language=language,
        ),
        None,
    )


def _parse_date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None


def _staff_values(staff: Staff, location_names: dict[int, str], languages: dict) -> dict:
    return {
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "email": staff.email.lower(),
        "location": location_names[staff.location_id],
        "job_title": staff.job_title,
        "hire_date": staff.hire_date,
        "active": staff.is_active,
        LANGUAGE_COLUMN: languages.get(staff.user_id, ""),
    }


def account_languages() -> dict[int, str]:
    """{user id: the language chosen for the account} (Wagtail's user profile)."""
    from wagtail.users.models import UserProfile

    return dict(UserProfile.objects.values_list("user_id", "preferred_language"))


def roster_plan(data: bytes, *, deactivate_missing: bool = False) -> RosterPlan:
    """What importing HR's CSV `data` would change. Reads the database in a constant number
    of queries (all staff at once), writes nothing. Raises RosterFileError for an unreadable
    file."""
    rows, rejected, duplicates = read_rows(decode_roster(data))
    return rows_plan(
        rows, rejected=rejected, duplicates=duplicates, deactivate_missing=deactivate_missing
    )


def rows_plan(
    rows: list[RosterRow],
    *,
    rejected: list[Rejection],
    duplicates: list[tuple[int, int]] = (),
    deactivate_missing: bool = False,
    never_new: frozenset[str] = frozenset(),
    source_file: str = "",
    id_column: str = "employee_id",
) -> RosterPlan:
    """What writing the checked `rows` would change, whatever file they came from (HR's CSV,
    a OneRoster bundle). A row whose modified_at is not after the one stored at the last
    import that changed that person is not a change. Rows whose employee id is in `never_new`
    (OneRoster's tobedeleted) update or deactivate someone on the roster but never add anyone:
    the plan counts them in deleted_ignored. A conflict with the database is rejected naming
    `source_file` (the bundle's file the rows are from) and its own column names."""
    plan = RosterPlan(rejected=list(rejected), ignored_duplicates=list(duplicates))
    location_names = dict(Location.objects.values_list("pk", "name"))
    existing = {s.employee_id: s for s in Staff.objects.all()}
    owner_of_email = {s.email.lower(): s.employee_id for s in existing.values() if s.email}
    emails_in_file = {row.employee_id: row.email for row in rows}
    logins = _logins_named(rows)
    usernames_in_file = {row.employee_id: row.email or row.employee_id for row in rows}
    # Read only for a file with a language column: others leave the accounts' languages be.
    languages = account_languages() if any(r.language is not None for r in rows) else {}
    for row in rows:
        staff = existing.get(row.employee_id)
        if staff is None and row.employee_id in never_new:
            plan.deleted_ignored += 1
            continue
        if _not_newer(row, staff):
            plan.unchanged.append(row)
            plan.not_newer += 1
            continue
        owner = owner_of_email.get(row.email) if row.email else None
        # Another employee's address is a conflict, unless this same file moves them off it.
        if owner is not None and owner != row.employee_id:
            if emails_in_file.get(owner, row.email) == row.email:
                reason = f"{row.email} belongs to employee {owner}"
                plan.rejected.append(
                    Rejection(row.line, "email", reason, row.employee_id, source_file)
                )
                continue
        login = logins.get(row.email or row.employee_id)
        # Another employee's login, unless this same file gives them another sign-in name.
        if (
            login is not None
            and login[1] not in (None, row.employee_id)
            and usernames_in_file.get(login[1], row.email or row.employee_id)
            == (row.email or row.employee_id)
        ):
            # Two staff members cannot share one login account.
            column = "email" if row.email else id_column
            reason = (
                f"the sign-in name {row.email or row.employee_id} is the login account of "
                f"employee {login[1]}"
            )
            plan.rejected.append(Rejection(row.line, column, reason, row.employee_id, source_file))
            continue
        if (
            staff is not None
            and login is not None
            and login[0] != staff.user_id
            and login[1] is None
        ):
            column = "email" if row.email else id_column
            reason = f"the sign-in name {row.email or row.employee_id} is another login account's"
            plan.rejected.append(Rejection(row.line, column, reason, row.employee_id, source_file))
            continue
        if staff is None:
            plan.new.append(row)
            if login is not None:
                plan.linked_logins.append(row)
            continue
        current = _staff_values(staff, location_names, languages)
        wanted = row.values()
        changed = [name for name in wanted if current[name] != wanted[name]]
        if changed:
            plan.updated.append((row, staff, changed))
            plan.before[row.employee_id] = current
        else:
            plan.unchanged.append(row)
    plan.rejected.sort(key=lambda r: (r.file, r.line))
    plan.new_locations = new_locations(
        {row.location for row in plan.new} | {row.location for row, _, _ in plan.updated},
        existing=set(location_names.values()),
    )
    plan.active_count = sum(1 for s in existing.values() if s.is_active)
    if deactivate_missing:
        # A rejected row still names someone who is on HR's list: never deactivate them for it.
        named = {row.employee_id for row in rows} | {r.employee_id for r in plan.rejected}
        plan.deactivated = [
            s for employee_id, s in existing.items() if s.is_active and employee_id not in named
        ]
    return plan


def _not_newer(row: RosterRow, staff: Staff | None) -> bool:
    return (
        staff is not None
        and row.modified_at is not None
        and staff.source_modified_at is not None
        and row.modified_at <= staff.source_modified_at
    )


def _logins_named(rows: list[RosterRow]) -> dict[str, tuple[int, str | None]]:
    """The login accounts the rows' sign-in names already belong to: {username: (user id, the
    employee id of its staff member or None)}. One query."""
    usernames = {row.email or row.employee_id for row in rows}
    return {
        username: (pk, employee_id)
        for username, pk, employee_id in get_user_model()
        .objects.filter(username__in=many_values(usernames))
        .values_list("username", "pk", "staff__employee_id")
    }


def new_locations(named: set[str], *, existing: set[str]) -> list[NewLocation]:
    """The names in `named` that are not existing locations, each with the existing name it
    most resembles, if any (ignoring case, or a close spelling)."""
    by_folded = {name.casefold(): name for name in existing}
    result = []
    for name in sorted(named - existing):
        similar = by_folded.get(name.casefold()) or next(
            iter(difflib.get_close_matches(name, sorted(existing), n=1, cutoff=0.8)), ""
        )
        result.append(NewLocation(name, similar))
    return result
