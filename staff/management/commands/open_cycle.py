from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from django.utils import formats

from staff.services import cycle_open


class Command(BaseCommand):
    help = (
        "Open the training cycle of a school year (default dates: July 1 to June 30, "
        "refresher due October 1) and assign every active staff member. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="The year the cycle starts, e.g. 2026.")

    def handle(self, *args, year: int, **options):
        try:
            cycle, created = cycle_open(year=year)
        except ValidationError as exc:
            problems = " ".join(
                message for messages in exc.message_dict.values() for message in messages
            )
            raise CommandError(f"Could not open the {year} cycle: {problems}") from exc
        except IntegrityError as exc:
            raise CommandError(f"Could not open the {year} cycle: {exc}") from exc
        due = formats.date_format(cycle.refresher_due_on, "F j, Y")
        self.stdout.write(
            self.style.SUCCESS(
                f"Cycle {cycle.name}: refresher due {due}; {created} new assignment(s)."
            )
        )
