"""Read-side rules of the lesson player: which slide to show, what a learner may open, and
where they stand in each section (reading and quiz together)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from eupsite.parsing import number_from_request

from .models import (
    CoursePage,
    CourseTranslation,
    SectionPage,
    SectionProgress,
    SlideView,
    SourceDocument,
)


def slide_to_show(
    *,
    section: SectionPage,
    last_seen: int,
    furthest: int,
    requested: str | None,
    unrestricted: bool = False,
) -> int:
    """The slide number to display for a request.

    No number (or nonsense) resumes at the last slide seen. A learner may go back anywhere and
    forward one slide past the furthest reached, but not skip ahead unread: the quiz that
    follows a section relies on its slides having been shown.
    """
    total = max(section.slide_count, 1)
    number = number_from_request(requested) or max(last_seen, 1)
    ceiling = total if unrestricted else min(total, furthest + 1)
    return max(1, min(number, ceiling))


STATE_LABELS = {
    "locked": _("Locked until the previous section's quiz is passed"),
    "not_started": _("Not started"),
    "in_progress": _("In progress"),
    "ready_for_quiz": _("Slides read: take the quiz"),
    "quiz_failed": _("Quiz not passed yet"),
    "passed": _("Passed"),
    "tested_out": _("Passed in the test-out"),
    "read": _("All slides read"),
}


@dataclass(frozen=True)
class OutlineEntry:
    """One section as one learner stands in it."""

    section: SectionPage
    position: int
    slide_count: int
    furthest_slide: int
    last_slide: int
    is_open: bool
    has_quiz: bool = True
    quiz_passed: bool = False
    quiz_failed_last: bool = False
    best_score: Decimal | None = None
    last_score: Decimal | None = None
    passing_attempt_id: int | None = None
    last_attempt_id: int | None = None
    tested_out: bool = False
    # From when reading and quizzes of this assignment count here: None (all of them), or the
    # moment a material policy change of this section was published (it is read again).
    counts_from: object = None
    # The learner's assignment for this course in the current cycle (None: not assigned).
    assignment_id: int | None = None

    @property
    def all_slides_read(self) -> bool:
        return self.furthest_slide >= self.slide_count

    @property
    def section_passed(self) -> bool:
        """Its quiz passed, or, for a section without questions, every slide read."""
        return self.quiz_passed or (not self.has_quiz and self.all_slides_read)

    @property
    def state(self) -> str:
        # A passed section stays passed, whatever happens after.
        if self.section_passed:
            if self.tested_out:
                return "tested_out"
            return "passed" if self.has_quiz else "read"
        if not self.is_open:
            return "locked"
        if self.quiz_failed_last:
            return "quiz_failed"
        if self.furthest_slide == 0:
            return "not_started"
        if self.all_slides_read:
            return "ready_for_quiz"
        return "in_progress"

    @property
    def state_label(self) -> str:
        # The labels with figures are whole sentences of their own (see STATE_LABELS).
        if self.state == "passed":
            return gettext("Passed (%(score)s)") % {"score": _percent(self.best_score)}
        if self.state == "quiz_failed":
            return gettext("Quiz not passed yet: last score %(score)s") % {
                "score": _percent(self.last_score)
            }
        if self.state == "in_progress":
            return gettext("In progress: slide %(number)s of %(total)s") % {
                "number": self.last_slide,
                "total": self.slide_count,
            }
        return str(STATE_LABELS[self.state])


def _percent(value: Decimal | None) -> str:
    if value is None:
        return "–"
    # Translators: a score in percent, e.g. "80 %".
    return gettext("%(number)s %%") % {"number": f"{value.normalize():f}"}


def live_courses():
    """The published courses, the district's first one first."""
    return CoursePage.objects.live().order_by("path")


def primary_course() -> CoursePage | None:
    """The district's first course: the site's home page (the one content/ holds)."""
    return CoursePage.objects.live().order_by("depth", "path").first()


def course_for_request(value: str | None) -> CoursePage | None:
    """The live course a request names by id (`?course=`), else the primary course. A value
    that names no live course is None (the view answers 404), never an error."""
    if not value:
        return primary_course()
    course_id = number_from_request(value)
    if course_id is None:
        return None
    return CoursePage.objects.live().filter(pk=course_id).first()


@dataclass(frozen=True)
class CourseStructure:
    """What every learner's view of a course shares: its live sections in order, the live pages
    beneath it by address, which sections have questions, and from when a material policy
    change counts (see reading_since). Kept in memory between content changes."""

    sections: tuple[SectionPage, ...]
    children_by_slug: dict[str, Page]
    with_questions: frozenset[int]
    since_by_section: dict[int, object]


def course_structure(*, course: CoursePage) -> CourseStructure:
    from .content_cache import memoized

    def build():
        children = list(course.get_children().live().specific().order_by("path"))
        for child in children:
            # The pages are served from memory: their parent too, and their restrictions.
            child._cached_parent_obj = course
            child.kept_in_memory = True
        sections = tuple(c for c in children if isinstance(c, SectionPage))
        _, sections_with_questions = _section_assessment()
        return CourseStructure(
            sections=sections,
            children_by_slug={c.slug: c for c in children},
            with_questions=frozenset(sections_with_questions(section_ids=[s.pk for s in sections])),
            since_by_section=reading_since(course=course, sections=sections),
        )

    return memoized(("course", course.pk), build)


def live_section(*, section_id: int) -> SectionPage | None:
    """The live section with this id as its course's structure keeps it (its course with it,
    so `get_parent()` reads nothing); None when there is none."""
    from .content_cache import memoized

    def course_of_section() -> CoursePage | None:
        path = SectionPage.objects.live().filter(pk=section_id).values_list("path", flat=True)
        path = path.first()
        if path is None:
            return None
        return CoursePage.objects.filter(path=path[: -SectionPage.steplen]).first()

    course = memoized(("section_course", section_id), course_of_section)
    if course is None:
        return None
    sections = course_structure(course=course).sections
    return next((section for section in sections if section.pk == section_id), None)


def course_sections(*, course: CoursePage) -> list[SectionPage]:
    return list(course_structure(course=course).sections)


# Hook name: the app that assesses sections (quizzes) registers a function returning its two
# selectors, (quiz_status_by_section, sections_with_questions); training never imports it.
SECTION_ASSESSMENT_HOOK = "training_section_assessment"


def _no_quiz_status(**kwargs) -> dict:
    return {}


def _no_questions(**kwargs) -> set:
    return set()


def _section_assessment():
    """The registered assessment's selectors; without one, no section has a quiz (each is
    passed once read)."""
    from wagtail import hooks

    for provider in hooks.get_hooks(SECTION_ASSESSMENT_HOOK):
        return provider()
    return _no_quiz_status, _no_questions


_LOOK_IT_UP = object()


def course_outline(*, course: CoursePage, user, assignment=_LOOK_IT_UP) -> list[OutlineEntry]:
    """Each live section of the course, in order, with this learner's reading and quiz state.

    Sections open one after another: the first is always open, each next one once the quiz of
    the one before is passed (a section without questions counts as passed once read). Only
    the reading and attempts of the learner's assignment for this course in the current cycle
    count (they point to it), so the annual refresher starts afresh; a caller that has read
    that assignment already passes it (None: not assigned). A constant number of queries,
    whatever the number of sections.
    """
    from staff.selectors import learner_assignment

    quiz_status_by_section, _ = _section_assessment()
    structure = course_structure(course=course)
    sections = structure.sections
    section_ids = [s.pk for s in sections]
    progress, quiz, since_by_section, assignment_id = {}, {}, {}, None
    if user.is_authenticated:
        if assignment is _LOOK_IT_UP:
            assignment = learner_assignment(user=user, course_id=course.pk)
        assignment_id = assignment.pk if assignment else None
        since_by_section = structure.since_by_section
        reading = SectionProgress.objects.filter(section__in=section_ids)
        reading = (
            reading.filter(assignment_id=assignment_id)
            if assignment_id
            else reading.filter(user=user, assignment__isnull=True)
        )
        progress = {
            p.section_id: p
            for p in reading
            if since_by_section.get(p.section_id) is None
            or p.updated_at >= since_by_section[p.section_id]
        }
        quiz = quiz_status_by_section(
            user=user,
            section_ids=section_ids,
            assignment_id=assignment_id,
            since_by_section=since_by_section,
        )
    with_questions = structure.with_questions
    outline = []
    previous_passed = True
    for position, section in enumerate(sections, start=1):
        p = progress.get(section.pk)
        q = quiz.get(section.pk)
        furthest = p.furthest_slide if p else 0
        has_quiz = section.pk in with_questions
        entry = OutlineEntry(
            section=section,
            position=position,
            slide_count=section.slide_count,
            furthest_slide=furthest,
            last_slide=p.last_slide if p else 0,
            is_open=previous_passed or bool(q and q.passed),
            has_quiz=has_quiz,
            quiz_passed=bool(q and q.passed),
            quiz_failed_last=bool(q and q.last_passed is False),
            best_score=q.best_score if q else None,
            last_score=q.last_score if q else None,
            passing_attempt_id=q.passing_attempt_id if q else None,
            last_attempt_id=q.last_attempt_id if q else None,
            tested_out=bool(q and q.tested_out),
            counts_from=since_by_section.get(section.pk),
            assignment_id=assignment_id,
        )
        outline.append(entry)
        previous_passed = entry.section_passed
    return outline


def reading_since(*, course, sections) -> dict[int, object]:
    """{section id: the moment from which an assignment's reading and quizzes count}: None
    (all of them), or, for a section changed by a material policy change that an administrator
    published, that moment (it is read and passed again). A change published before the
    assignment began is earlier than all of its records, so it changes nothing. One query."""
    from .models import PolicyVersion

    result = {section.pk: None for section in sections}
    asked = PolicyVersion.objects.filter(
        course=course, material=True, reacknowledgement_asked_at__isnull=False
    )
    by_slug = {section.slug: section.pk for section in sections}
    for slugs, moment in asked.values_list("sections_changed", "reacknowledgement_asked_at"):
        for slug in slugs:
            if slug in by_slug:
                pk = by_slug[slug]
                result[pk] = max(result[pk], moment) if result[pk] else moment
    return result


def learner_section_entry(*, section: SectionPage, user) -> OutlineEntry | None:
    """The learner's entry for a live section of its course; None for an unpublished one."""
    course = section.get_parent().specific
    outline = course_outline(course=course, user=user)
    return next((e for e in outline if e.section.pk == section.pk), None)


def source_documents() -> dict[str, dict]:
    """{file name: {"title", "slug"}} of every source document: what a "Source:" line needs."""
    from .content_cache import memoized

    def build():
        documents = SourceDocument.objects.values_list("filename", "title", "slug")
        return {filename: {"title": title, "slug": slug} for filename, title, slug in documents}

    return memoized(("source_documents",), build)


def policy_documents(*, filenames: tuple[str, ...] | None = None) -> list[SourceDocument]:
    """The policies whose text the site holds (those of `filenames` only, when given), in the
    course's order of documents."""
    documents = SourceDocument.objects.exclude(text="").exclude(slug="").defer("text")
    if filenames is not None:
        documents = documents.filter(filename__in=filenames)
    return list(documents)


def policy_document(*, slug: str) -> SourceDocument | None:
    return SourceDocument.objects.exclude(text="").filter(slug=slug).first()


def section_player(
    *, section: SectionPage, request, number: int, outline: list[OutlineEntry]
) -> dict:
    """Everything the lesson player template shows for one slide of one section."""
    course = section.get_parent().specific
    entry = next((e for e in outline if e.section.pk == section.pk), None)
    if entry is None:
        # An editor's preview of a draft or unpublished section: not in the live outline.
        entry = OutlineEntry(
            section=section,
            position=len(outline) + 1,
            slide_count=section.slide_count,
            furthest_slide=section.slide_count,
            last_slide=number,
            is_open=True,
        )
    position = entry.position
    total = section.slide_count
    number = max(1, min(number, total or 1))
    slide = section.body[number - 1] if total else None
    next_section = outline[position].section if position < len(outline) else None
    return {
        "course": course,
        "outline": outline,
        "entry": entry,
        "section_position": position,
        "section_total": max(len(outline), position),
        "slide": slide,
        "slide_number": number,
        "slide_total": total,
        "previous_number": number - 1 if number > 1 else None,
        "next_number": number + 1 if number < total else None,
        "next_section": next_section if entry.section_passed else None,
        "source_documents": source_documents(),
    }


def course_revision(*, course: CoursePage) -> str:
    """A short fingerprint of the course as published now (the course page and each live
    section's latest revision): what a learner's acknowledgement says they completed."""
    import hashlib

    pages = [(course.pk, course.latest_revision_id)] + list(
        SectionPage.objects.child_of(course)
        .live()
        .order_by("path")
        .values_list("pk", "latest_revision_id")
    )
    digest = hashlib.sha256(repr(pages).encode()).hexdigest()[:12]
    return f"{course.slug}@{digest}"


# A slide left open longer than this counts for this long: time on task measures reading,
# not a tab forgotten over lunch.
SLIDE_TIME_CAP = timedelta(minutes=5)


def time_on_task(*, assignment_ids: list[int], since=None) -> dict[tuple[int, int], int]:
    """{(assignment id, section id): whole seconds} spent on each section's slides for those
    assignments, from the slide views recorded on the server: each slide counts until the
    learner's next step, at most SLIDE_TIME_CAP. `since` leaves out earlier views (reading
    from before a material change of the section)."""
    from django.db.models import DurationField, ExpressionWrapper, F, Sum, Value
    from django.db.models.functions import Least

    views = SlideView.objects.filter(assignment_id__in=assignment_ids, left_at__isnull=False)
    if since is not None:
        views = views.filter(viewed_at__gte=since)
    on_slide = ExpressionWrapper(F("left_at") - F("viewed_at"), output_field=DurationField())
    rows = views.values("assignment_id", "section_id").annotate(
        total=Sum(Least(on_slide, Value(SLIDE_TIME_CAP, output_field=DurationField())))
    )
    return {(r["assignment_id"], r["section_id"]): int(r["total"].total_seconds()) for r in rows}


def minutes_text(seconds: int | None) -> str:
    """Time on task as people say it: "under a minute", "1 minute", "12 minutes"."""
    if seconds is None:
        # Translators: no time spent at all (time on task).
        return gettext("none")
    minutes = round(seconds / 60)
    if minutes < 1:
        return gettext("under a minute")
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def _base_language(language: str | None) -> str:
    return (language or settings.LANGUAGE_CODE).split("-")[0].lower()


def translated_language(language: str | None = None) -> str | None:
    """The language `language` (default: the active one) reads the course in, when that is a
    translation; None when it is the course's own, English."""
    from django.utils.translation import get_language

    language = _base_language(language or get_language())
    return None if language == _base_language(settings.LANGUAGE_CODE) else language


def reviewed_translations(*, language: str) -> dict[int, CourseTranslation]:
    """{course id: its newest reviewed translation into `language`}: what learners who chose
    that language read. Kept in memory while the content stays as it is."""
    from .content_cache import memoized

    language = _base_language(language)

    def build():
        newest = {}
        reviewed = CourseTranslation.objects.filter(language=language, reviewed_at__isnull=False)
        for translation in reviewed.order_by("course_id", "-number"):
            newest.setdefault(translation.course_id, translation)
        return newest

    return memoized(("reviewed_translations", language), build)


def course_messages(*, language: str | None = None) -> dict[str, str]:
    """{English text: translation} that learners reading `language` (default: the active one)
    are shown, from every course's reviewed translation; empty for English."""
    from .content_cache import memoized

    language = translated_language(language)
    if language is None:
        return {}

    def build():
        messages = {}
        for translation in reviewed_translations(language=language).values():
            messages.update(translation.messages)
        return messages

    return memoized(("course_messages", language), build)


def reviewed_translation(*, course_id: int, language: str | None = None):
    """The reviewed translation of the course a learner reading `language` is shown, if any."""
    language = translated_language(language)
    if language is None:
        return None
    return reviewed_translations(language=language).get(course_id)


def course_translation_versions() -> list[CourseTranslation]:
    """Every version of every course's translation, newest first per course and language."""
    return list(
        CourseTranslation.objects.select_related("course")
        .defer("messages")
        .order_by("course__path", "language", "-number")
    )


@dataclass(frozen=True)
class TranslationReviewRow:
    english: str
    translated: str
    is_quote: bool
    # New or different since the version learners read now: what the reviewer reads first.
    changed: bool


@dataclass(frozen=True)
class TranslationReviewFile:
    name: str
    english_file: str
    rows: list[TranslationReviewRow]


def translation_review(*, translation: CourseTranslation) -> dict:
    """A version of a translation beside the English it translates, file by file, as a
    reviewer reads it: what is missing and what changed since the reviewed version."""
    from .services import course_export
    from .translation_files import course_catalogue_files

    in_force = reviewed_translations(language=translation.language).get(translation.course_id)
    before = in_force.messages if in_force and in_force.pk != translation.pk else None
    files, missing, changed = [], 0, 0
    for catalogue_file in course_catalogue_files(course_export(slug=translation.course.slug)):
        rows, seen = [], set()
        for message in catalogue_file.messages:
            if message.msgid in seen:
                continue
            seen.add(message.msgid)
            translated = translation.messages.get(message.msgid, "")
            is_changed = before is not None and before.get(message.msgid) != translated
            missing += not translated
            changed += is_changed
            rows.append(
                TranslationReviewRow(message.msgid, translated, message.is_quote, is_changed)
            )
        files.append(TranslationReviewFile(catalogue_file.name, catalogue_file.english_file, rows))
    return {
        "translation": translation,
        "in_force": in_force,
        "files": files,
        "total": sum(len(f.rows) for f in files),
        "missing": missing,
        "changed": changed if before is not None else None,
    }
