from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError

from staff.oneroster import bundle_plan, files_from_folder, roster_upload_plan
from staff.roster import RosterFileError
from staff.services import (
    ROSTER_APPLIED_MEANWHILE,
    RosterDeactivationUnconfirmed,
    RosterInvalid,
    roster_apply,
)


class Command(BaseCommand):
    help = (
        "Import the staff roster: HR's CSV, or a OneRoster 1.2 bundle (a zip, or a folder "
        "holding manifest.csv, users.csv, orgs.csv and roles.csv). Nothing is written if any "
        "row is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="The roster CSV, or a OneRoster 1.2 zip or folder."
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Mark active staff who are not in the file inactive (they are never deleted).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Apply the valid rows and list the rejected ones instead of importing nothing.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Mark staff inactive even when that is more than ROSTER_DEACTIVATE_MAX_SHARE "
            "of the active staff (what a cut-off file does with --deactivate-missing).",
        )

    def handle(
        self, *args, file: Path, deactivate_missing, skip_invalid, dry_run, force, **options
    ):
        try:
            if file.is_dir():
                plan = bundle_plan(files_from_folder(file), deactivate_missing=deactivate_missing)
            else:
                plan = roster_upload_plan(file.read_bytes(), deactivate_missing=deactivate_missing)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except RosterFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc

        counts = plan.summary()
        self.stdout.write(
            f"{file.name}: {counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['deactivated']} to deactivate, "
            f"{counts['rejected']} rejected."
        )
        if plan.source:
            self.stdout.write(
                f"{plan.source}: {plan.students_ignored} students, guardians and parents "
                f"ignored; {plan.without_role_ignored} users without a role ignored; "
                f"{plan.deleted_ignored} tobedeleted users not on the roster ignored; "
                f"{plan.not_newer} not newer than at the last import."
            )
        if plan.new_locations:
            names = ", ".join(
                f'{location.name} (looks like "{location.similar_to}")'
                if location.similar_to
                else location.name
                for location in plan.new_locations
            )
            self.stdout.write(
                f"{len(plan.new_locations)} new location(s) will be created: {names}."
            )
        for row in plan.linked_logins:
            self.stdout.write(
                f"  line {row.line}: {row.first_name} {row.last_name} already has a login "
                f"account ({row.email or row.employee_id}); it becomes theirs"
            )
        for line, first in plan.ignored_duplicates:
            self.stdout.write(f"  line {line}: same as line {first}, ignored")
        for rejection in plan.rejected:
            self.stderr.write(f"  {rejection}" if rejection.file else f"  {file.name}, {rejection}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            roster_apply(plan=plan, skip_invalid=skip_invalid, force=force)
        except RosterDeactivationUnconfirmed as exc:
            raise CommandError(
                f"{exc} Check the file; if it is right, run again with --force."
            ) from exc
        except IntegrityError as exc:
            raise CommandError(str(ROSTER_APPLIED_MEANWHILE)) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The database failed during the import ({exc.__class__.__name__}); the import "
                "runs in one transaction, so nothing was imported. Run the command again."
            ) from exc
        except RosterInvalid as exc:
            raise CommandError(
                f"{len(plan.rejected)} row(s) rejected (listed above); nothing was imported. "
                "Fix the file, or run again with --skip-invalid to import the valid rows."
            ) from exc
        if plan.changes:
            self.stdout.write(self.style.SUCCESS("Roster imported."))
        else:
            self.stdout.write(self.style.SUCCESS("Roster already up to date: nothing changed."))
