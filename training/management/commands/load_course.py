from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from training.content import ContentError, read_course
from training.services import course_load


class Command(BaseCommand):
    help = "Build or update the course pages from the files in content/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=settings.COURSE_CONTENT_DIR,
            help="Folder holding course.yaml and sections/ (default: %(default)s).",
        )

    def handle(self, *args, content_dir: Path, verbosity: int, **options):
        try:
            spec = read_course(content_dir)
            if verbosity:
                self.stdout.write(f"Read {len(spec.sections)} sections from {content_dir}.")
            report = course_load(spec=spec)
        except ContentError as exc:
            raise CommandError(
                f"{exc}\nNothing was loaded; fix the file and run load_course again."
            ) from exc
        for label, names in (
            ("created", report.created),
            ("updated", report.updated),
            ("unpublished (no longer in content/)", report.retired),
        ):
            if names and verbosity:
                self.stdout.write(f"{label.capitalize()}: {', '.join(names)}")
        if verbosity:
            if report.changed:
                self.stdout.write(self.style.SUCCESS("Course loaded."))
            else:
                self.stdout.write(self.style.SUCCESS("Course already up to date: nothing changed."))
