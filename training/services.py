"""Write-side rules of the training app: the learner's place in a section, and building the
course pages from content/ (and back)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.images import ImageFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify
from wagtail import hooks
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from staff.services import assignment_rule_add, assignment_rule_everyone

from .content import SLIDE_FIELDS, ContentError, CourseSpec, SectionSpec, quiz_content
from .models import (
    CoursePage,
    CourseTranslation,
    PolicyVersion,
    SectionPage,
    SectionProgress,
    SlideView,
    SourceDocument,
    policy_text,
)
from .translation_files import english_messages

WAGTAIL_DEFAULT_HOME_TITLE = "Welcome to your new Wagtail site!"


def reading_step_record(*, user) -> None:
    """The learner moved on (to a slide or a quiz): the slide they were on ends now."""
    SlideView.objects.filter(user=user, left_at__isnull=True).update(left_at=timezone.now())


_UNKNOWN = object()


def progress_record_slide_view(
    *,
    user,
    section: SectionPage,
    number: int,
    assignment_id=_UNKNOWN,
    counts_from=_UNKNOWN,
) -> None:
    """Remember that `user` is looking at slide `number` for their assignment: it is where
    they resume, and the furthest slide they reached only ever grows. The view itself is kept
    for time on task. `assignment_id` and `counts_from` come from the learner's OutlineEntry
    when the caller has it (they are read here otherwise)."""
    from staff.selectors import learner_assignment

    from .selectors import reading_since

    if assignment_id is _UNKNOWN or counts_from is _UNKNOWN:
        course = CoursePage.objects.get(path=section.path[: -section.steplen])
        assignment = learner_assignment(user=user, course_id=course.pk)
        assignment_id = assignment.pk if assignment else None
        counts_from = reading_since(course=course, sections=[section])[section.pk]
    reading_step_record(user=user)
    SlideView.objects.create(user=user, section=section, slide=number, assignment_id=assignment_id)
    mine = SectionProgress.objects.filter(section=section)
    mine = (
        mine.filter(assignment_id=assignment_id)
        if assignment_id
        else mine.filter(user=user, assignment__isnull=True)
    )
    if counts_from is not None:
        # Reading from before a material change of this section does not count: it starts
        # at the beginning.
        mine.filter(updated_at__lt=counts_from).update(
            last_slide=number, furthest_slide=number, started_at=timezone.now()
        )
    changes = {
        "last_slide": number,
        "furthest_slide": Greatest(F("furthest_slide"), number),
        # update() skips auto_now; the material-change rule above reads updated_at.
        "updated_at": timezone.now(),
    }
    if mine.update(**changes):
        return
    try:
        with transaction.atomic():
            SectionProgress.objects.create(
                user=user,
                section=section,
                assignment_id=assignment_id,
                last_slide=number,
                furthest_slide=number,
            )
    except IntegrityError:
        # Another tab created the row between the update and the insert.
        mine.update(**changes)


# --- loading the course from content/ and exporting it back --------------------------------


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)


@transaction.atomic
def course_load(*, spec: CourseSpec, home: CoursePage | None = None) -> LoadReport:
    """Create or update the course pages so they match `spec`.

    Idempotent: a section whose content is unchanged is left alone; a changed one gets a new
    published revision (its history stays in Wagtail); a section no longer in content/ is
    unpublished, never deleted, because learners' records point at it. All in one transaction:
    any error leaves the database as it was.

    The first course (content/) is the site's home page; a further course
    (content/courses/<slug>/) is loaded with `home`, that first course, and sits beneath it.
    """
    quiz_part = quiz_content()
    report = LoadReport()
    for source in spec.sources:
        SourceDocument.objects.update_or_create(
            filename=source["file"],
            defaults={
                "title": source["title"],
                "slug": slugify(source["title"])[:100],
                "origin": source.get("origin", ""),
                "text": spec.policy_texts.get(source["file"], ""),
            },
        )

    course = CoursePage.objects.filter(slug=spec.slug).first()
    if course is None:
        parent = home or Page.get_first_root_node()
        course = parent.add_child(
            instance=CoursePage(title=spec.title, slug=spec.slug, summary=spec.summary)
        )
        course.save_revision().publish()
        # Whom the course is first assigned to: course.yaml's job titles, else every staff
        # member. After that the administrator's assignment rules decide.
        if spec.assign_to:
            for job_title in spec.assign_to:
                assignment_rule_add(course_id=course.pk, job_title=job_title)
        else:
            assignment_rule_everyone(course_id=course.pk)
        report.created.append(f"course {spec.slug}")
    elif (course.title, course.summary, course.live) != (spec.title, spec.summary, True):
        course.title, course.summary = spec.title, spec.summary
        course.save_revision().publish()
        report.updated.append(f"course {spec.slug}")
    if home is None:
        _make_course_the_home_page(course)

    existing = {page.slug: page for page in SectionPage.objects.child_of(course)}
    for section_spec in spec.sections:
        page = existing.pop(section_spec.slug, None)
        if page is None:
            page = course.add_child(
                instance=SectionPage(slug=section_spec.slug, **_page_fields(section_spec))
            )
            page.save_revision().publish()
            report.created.append(section_spec.slug)
        elif section_as_dict(page) != _section_content(section_spec) or not page.live:
            for name, value in _page_fields(section_spec).items():
                setattr(page, name, value)
            page.save_revision().publish()
            report.updated.append(section_spec.slug)
        else:
            report.unchanged.append(section_spec.slug)
        quiz_changed = quiz_part is not None and quiz_part.sync(
            section=page, settings=section_spec.quiz, questions=section_spec.questions
        )
        if quiz_changed and section_spec.slug in report.unchanged:
            report.unchanged.remove(section_spec.slug)
            report.updated.append(section_spec.slug)
    for page in existing.values():
        if page.live:
            page.unpublish()
            report.retired.append(page.slug)
    _order_sections(course, [s.slug for s in spec.sections])
    policy_versions_load(course=course, versions=spec.policy_versions, report=report)
    english_total = len(english_messages(spec))
    for language, translations in spec.translations.items():
        version, created = course_translation_load(
            course=course, language=language, messages=translations, english_total=english_total
        )
        if created:
            report.created.append(
                f"{version} (learners see it once an administrator marks it reviewed)"
            )
    return report


def course_translation_load(
    *, course: CoursePage, language: str, messages: dict[str, str], english_total: int
) -> tuple[CourseTranslation, bool]:
    """The course's newest translation into `language`, or a new version of it when the texts
    differ (a new version waits for review; the reviewed one stays what learners see)."""
    latest = course.translations.filter(language=language).order_by("-number").first()
    if latest is not None and latest.messages == messages:
        return latest, False
    version = CourseTranslation.objects.create(
        course=course,
        language=language,
        number=latest.number + 1 if latest else 1,
        messages=messages,
        english_total=english_total,
    )
    return version, True


@transaction.atomic
def course_translation_mark_reviewed(*, translation: CourseTranslation, user) -> bool:
    """Record that `user` reviewed this version: from now on learners who choose its language
    read it. False (and nothing changes) if it was already reviewed."""
    from .content_cache import content_version_bump

    updated = CourseTranslation.objects.filter(pk=translation.pk, reviewed_at=None).update(
        reviewed_at=timezone.now(),
        reviewed_by=user,
        reviewer_name=user.get_full_name() or user.get_username(),
    )
    if updated:
        content_version_bump()
        translation.refresh_from_db()
    return bool(updated)


# Hook name: the app that keeps signatures (certificates) registers fn() -> its
# PolicySignatures, which tells the loader who signed what; training never imports it.
POLICY_SIGNATURES_HOOK = "training_policy_signatures"


class _NoSignatures:
    """Without an app that keeps signatures, nobody has signed anything."""

    @staticmethod
    def any_signed() -> bool:
        return False

    @staticmethod
    def text_signed(*, text_sha256: str) -> bool:
        return False

    @staticmethod
    def count(*, version) -> int:
        return 0

    @staticmethod
    def attach_unversioned(*, version) -> None:
        return None


def _policy_signatures():
    for provider in hooks.get_hooks(POLICY_SIGNATURES_HOOK):
        return provider()
    return _NoSignatures


def policy_versions_load(*, course: CoursePage, versions: list[dict], report: LoadReport) -> None:
    """Make the course's policy versions match content/acknowledgement/. A version someone
    signed never changes: changing its text is refused (add a version instead). Versions no
    longer in content/ stay, because signatures point to them."""
    signatures = _policy_signatures()
    # A section removed from content/ stays (unpublished) and may still be named by a version.
    slugs = set(SectionPage.objects.child_of(course).values_list("slug", flat=True))
    for spec in versions:
        unknown = [slug for slug in spec["sections_changed"] if slug not in slugs]
        if unknown:
            raise ContentError(
                Path("acknowledgement") / f"{spec['version']}.yaml",
                f'sections_changed names "{unknown[0]}", which is no section of the course; '
                f"use one of: {', '.join(sorted(slugs))}",
                key="sections_changed",
            )
        fields = {
            "effective_on": spec["effective"],
            "title": spec["title"],
            "paragraphs": spec["paragraphs"],
            "party": spec["party"],
            "policies": spec["policies"],
            "source_document": spec["source"]["document"],
            "source_passage": spec["source"]["passage"],
            "summary_of_changes": spec["summary"],
            "material": spec["material"],
            "sections_changed": spec["sections_changed"],
            "text_sha256": hashlib.sha256(
                policy_text(spec["title"], spec["paragraphs"]).encode("utf-8")
            ).hexdigest(),
        }
        version = PolicyVersion.objects.filter(course=course, number=spec["version"]).first()
        label = f"acknowledgement version {spec['version']}"
        if version is None:
            # A minor change, or any version while nobody has signed yet, is signed from now;
            # a material change to signed policies waits for an administrator to publish it.
            # So is a version people already signed (before versions were kept, their
            # signatures carry its hash): it was in force.
            nobody_signed = not signatures.any_signed()
            was_signed = signatures.text_signed(text_sha256=fields["text_sha256"])
            if not spec["material"] or nobody_signed or was_signed:
                fields["published_at"] = timezone.now()
            version = PolicyVersion.objects.create(course=course, number=spec["version"], **fields)
            report.created.append(label)
        elif policy_version_as_dict(version) != spec:
            signed = signatures.count(version=version)
            if signed and version.text_sha256 != fields["text_sha256"]:
                raise ContentError(
                    Path("acknowledgement") / f"{spec['version']}.yaml",
                    f"{signed} people signed version {spec['version']}: its text cannot "
                    f"change. Put the new text in {spec['version'] + 1}.yaml instead.",
                )
            for name, value in fields.items():
                setattr(version, name, value)
            version.save()
            report.updated.append(label)
        # Signatures made before versions were kept in the database carry only the hash of
        # the text they signed: this ties each to its version.
        signatures.attach_unversioned(version=version)


def policy_version_as_dict(version: PolicyVersion) -> dict:
    """A policy version as the plain data of its content file."""
    return {
        "version": version.number,
        "effective": version.effective_on,
        "title": version.title,
        "party": version.party,
        "policies": list(version.policies),
        "summary": version.summary_of_changes,
        "material": version.material,
        "source": {"document": version.source_document, "passage": version.source_passage},
        "sections_changed": list(version.sections_changed),
        "paragraphs": list(version.paragraphs),
    }


def _page_fields(section_spec: SectionSpec) -> dict:
    return {
        "title": section_spec.title,
        "summary": section_spec.summary,
        "body": [_slide_to_stream(slide, section_spec) for slide in section_spec.slides],
    }


def _slide_to_stream(slide: dict, section_spec: SectionSpec) -> dict:
    value = {k: v for k, v in slide.items() if k != "type"}
    sources = value["source"] if isinstance(value["source"], list) else [value["source"]]
    value["source"] = _source_block_value(sources[0])
    value["more_sources"] = [_source_block_value(s) for s in sources[1:]]
    if slide["type"] == "image":
        value["image"] = _image_for(slide["image"], section_spec).pk
    return {"type": slide["type"], "value": value}


def _source_block_value(source: dict) -> dict:
    return {
        "document": source["document"],
        "passage": source["passage"],
        "at": source.get("at", ""),
    }


def _source_as_dict(value) -> dict:
    source = {"document": value["document"], "passage": value["passage"]}
    if value.get("at"):
        source["at"] = value["at"]
    return source


def _image_for(filename: str, section_spec: SectionSpec):
    """The Wagtail image for content/images/<filename>, uploaded once per distinct file."""
    images_dir = section_spec.path.parent.parent / "images" if section_spec.path else Path("images")
    path = images_dir / filename
    if not path.is_file():
        raise ContentError(section_spec.path, f'image file "{filename}" not found in {images_dir}')
    data = path.read_bytes()
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    Image = get_image_model()
    image = Image.objects.filter(title=filename, file_hash=digest).first()
    if image is None:
        with path.open("rb") as handle:
            image = Image(title=filename, file_hash=digest)
            image.file = ImageFile(handle, name=filename)
            image.save()
    return image


def _make_course_the_home_page(course: CoursePage) -> None:
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=course, is_default_site=True)
        return
    if site.root_page_id == course.pk:
        return
    previous = site.root_page
    site.root_page = course
    site.save()
    # Wagtail's placeholder home page goes; any page an editor made is kept.
    if (
        previous.specific_class is Page
        and previous.title == WAGTAIL_DEFAULT_HOME_TITLE
        and previous.is_leaf()
    ):
        previous.delete()


def _order_sections(course: CoursePage, slugs: list[str]) -> None:
    current = [p.slug for p in SectionPage.objects.child_of(course).order_by("path")]
    wanted = slugs + [s for s in current if s not in slugs]
    if current == wanted:
        return
    for slug in wanted:
        SectionPage.objects.child_of(course).get(slug=slug).move(course, pos="last-child")


def _section_content(section_spec: SectionSpec) -> dict:
    """What the section page itself holds; the quiz part is synced by the quizzes app."""
    return {k: v for k, v in section_spec.as_dict().items() if k not in ("quiz", "questions")}


REQUIRED_SLIDE_KEYS = {
    name for fields in SLIDE_FIELDS.values() for name, required in fields.items() if required
}


def section_as_dict(page: SectionPage) -> dict:
    """A section page's title, summary and slides as the plain data a content file holds."""
    slides = []
    for block in page.body:
        value = block.value
        slide = {"type": block.block_type}
        for name in block.block.child_blocks:
            if name in ("source", "more_sources"):
                continue
            item = value[name]
            if name == "bullets":
                item = [str(b) for b in item]
            elif name == "image":
                item = item.title if item else ""
            if item or name in REQUIRED_SLIDE_KEYS:
                slide[name] = item
        sources = [_source_as_dict(value["source"])]
        sources += [_source_as_dict(v) for v in value.get("more_sources") or []]
        slide["source"] = sources[0] if len(sources) == 1 else sources
        slides.append(slide)
    return {"title": page.title, "summary": page.summary, "slides": slides}


def course_export(*, slug: str | None = None) -> CourseSpec:
    """The course as it stands in the CMS (live sections, in order) as a CourseSpec."""
    quiz_part = quiz_content()
    courses = CoursePage.objects.all()
    course = courses.get(slug=slug) if slug else courses.order_by("path").first()
    if course is None:
        raise CoursePage.DoesNotExist("There is no course in the CMS: run `manage.py load_course`.")
    sections = []
    for order, page in enumerate(
        SectionPage.objects.child_of(course).live().order_by("path"), start=1
    ):
        data = section_as_dict(page)
        quiz_settings, questions = quiz_part.export(section=page) if quiz_part else ({}, [])
        sections.append(
            SectionSpec(
                order=order,
                slug=page.slug,
                title=data["title"],
                summary=data["summary"],
                slides=data["slides"],
                quiz=quiz_settings,
                questions=questions,
            )
        )
    documents = list(SourceDocument.objects.order_by("filename"))
    sources = [
        {"file": d.filename, "title": d.title} | ({"origin": d.origin} if d.origin else {})
        for d in documents
    ]
    spec = CourseSpec(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        sources=sources,
        sections=sections,
        policy_texts={d.filename: d.text for d in documents if d.text},
        policy_versions=[policy_version_as_dict(v) for v in course.policy_versions.all()],
    )
    # Each language's newest version, reviewed or not, with the texts the course still has.
    english = english_messages(spec)
    for translation in course.translations.order_by("language", "number"):
        spec.translations[translation.language] = {
            text: translated for text, translated in translation.messages.items() if text in english
        }
    return spec
