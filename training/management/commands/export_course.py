import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from training.content import quiz_content, write_course
from training.models import CoursePage
from training.services import course_export


class Command(BaseCommand):
    help = (
        "Write the course as it stands in the CMS back to content/ (YAML, for review and "
        "commit) or as one JSON document (--format json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument(
            "--output",
            type=Path,
            help="YAML: the content folder to write (default: content/). "
            "JSON: a file (default: standard output).",
        )
        parser.add_argument("--course", help="Slug of the course (default: the first one).")

    def handle(self, *args, format: str, output: Path | None, course: str | None, **options):
        try:
            spec = course_export(slug=course)
        except CoursePage.DoesNotExist as exc:
            raise CommandError(str(exc) or f'No course with the slug "{course}".') from exc
        if format == "json":
            quiz_part = quiz_content()
            defaults = quiz_part.defaults if quiz_part else {}
            data = spec.as_dict()
            # Every setting of every quiz, defaults included: a reader of the JSON need not
            # know them (how many questions an attempt draws, above all).
            for section in data["sections"]:
                section["quiz"] = defaults | section.get("quiz", {})
            text = json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder) + "\n"
            if output:
                output.write_text(text, encoding="utf-8")
                self.stderr.write(f"Wrote {output}")
            else:
                self.stdout.write(text, ending="")
            return
        if output is None:
            from training.selectors import primary_course

            output = settings.COURSE_CONTENT_DIR
            primary = primary_course()
            if primary is not None and primary.slug != spec.slug:
                output = output / "courses" / spec.slug  # where load_course reads it from
        written = write_course(spec, output)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(written)} files to {written[0].parent}."))
