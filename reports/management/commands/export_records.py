from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.records import records_export
from staff.models import TrainingCycle


class Command(BaseCommand):
    help = (
        "Write every assignment, quiz attempt, acknowledgement and certificate of a cycle to "
        "JSON and CSV files with a SHA256SUMS manifest, for records retention."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="The cycle's name, e.g. 2026-2027.")
        parser.add_argument("--output", type=Path, help="Folder (default: records-<cycle>/).")

    def handle(self, *args, cycle: str, output: Path | None, **options):
        found = TrainingCycle.objects.filter(name=cycle).first()
        if found is None:
            names = ", ".join(TrainingCycle.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f'No cycle named "{cycle}". Cycles: {names}.')
        output = output or Path(f"records-{found.name}")
        written = records_export(cycle=found, output=output)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {len(written)} files and SHA256SUMS to {output}/.")
        )
