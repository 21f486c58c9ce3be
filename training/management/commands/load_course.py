from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from training.content import ContentError, read_course
from training.services import course_load

# A district's further courses, each laid out like content/ itself.
MORE_COURSES_DIR = "courses"


class Command(BaseCommand):
    help = (
        "Build or update the course pages from the files in content/ (idempotent): the course "
        "in content/ itself, then each further course in content/courses/<slug>/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=settings.COURSE_CONTENT_DIR,
            help="Folder holding course.yaml and sections/ (default: %(default)s).",
        )

    def handle(self, *args, content_dir: Path, verbosity: int, **options):
        folders = [content_dir, *sorted((content_dir / MORE_COURSES_DIR).glob("*/"))]
        try:
            # Every course or none: a mistake in one file leaves the site as it was.
            with transaction.atomic():
                home = None
                for folder in folders:
                    spec = read_course(folder)
                    if verbosity:
                        self.stdout.write(
                            f"{spec.title}: read {len(spec.sections)} sections from {folder}."
                        )
                    for note in spec.translation_notes:
                        self.stderr.write(self.style.WARNING(f"Translation: {note}"))
                    if spec.translation_notes:
                        self.stderr.write(
                            "Run `manage.py export_course` to bring the catalogues up to date "
                            "with the English; the rest of the translation loads as it is."
                        )
                    report = course_load(spec=spec, home=home)
                    if home is None:
                        from training.models import CoursePage

                        home = CoursePage.objects.get(slug=spec.slug)
                    self._print(report, verbosity)
        except ContentError as exc:
            raise CommandError(
                f"{exc}\nNothing was loaded; fix the file and run load_course again."
            ) from exc

    def _print(self, report, verbosity):
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
