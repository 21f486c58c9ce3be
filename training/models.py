"""The course as Wagtail pages: one CoursePage, one SectionPage per section, slides in a
StreamField. Where a learner has got to in each section is kept in SectionProgress."""

import uuid
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from eupsite.district_time import long_date_format
from eupsite.parsing import number_from_request

from .blocks import SlideStreamBlock


class SourceDocument(models.Model):
    """A policy document the course is built from (a file in the seeds folder)."""

    filename = models.CharField(_("file name"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("address"), max_length=100, blank=True)
    origin = models.CharField(
        _("origin"), max_length=500, blank=True, help_text=_("Who published it, and where.")
    )
    text = models.TextField(
        _("text"),
        blank=True,
        help_text=_("The document's own words, cleaned of page furniture (content/policies/)."),
    )

    class Meta:
        ordering = ["filename"]
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")

    def __str__(self):
        return self.title


# Hook name: fn(*, course, request, context) adds to a course page's template context.
COURSE_PAGE_CONTEXT_HOOK = "training_course_page_context"


class KeptInMemoryMixin:
    """A course or section page as training.content_cache keeps it for serving: its view
    restrictions come from memory too. Pages read from the database (the admin's) are unchanged:
    the admin asks for a queryset it can order."""

    kept_in_memory = False

    def get_view_restrictions(self):
        if self.kept_in_memory and not self.alias_of_id:
            from .content_cache import view_restrictions

            return view_restrictions(path=self.path)
        return super().get_view_restrictions()


class CoursePage(KeptInMemoryMixin, Page):
    summary = models.TextField(_("summary"), blank=True)
    minimum_minutes_per_section = models.PositiveSmallIntegerField(
        _("minimum minutes per section"),
        null=True,
        blank=True,
        help_text=_(
            "Time a learner spends on a section's slides before its quiz opens, counted on "
            "the server from the slides they view. Empty: no minimum."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("minimum_minutes_per_section"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    # The district's first course is the site's home page; a further course (a district's
    # own policy, say: content/courses/<slug>/) sits beneath it, so that it has an address on
    # the same site. Sections never hold a course.
    subpage_types = ["training.SectionPage", "training.CoursePage"]
    parent_page_types = ["wagtailcore.Page", "training.CoursePage"]
    # The admin lists the sections in course order (the order learners take them, which editors
    # may change by dragging), not by the date each was last edited.
    admin_default_ordering = "ord"

    class Meta:
        verbose_name = _("course")

    def route(self, request, path_components):
        if self.kept_in_memory and path_components:
            from .selectors import course_structure

            child = course_structure(course=self).children_by_slug.get(path_components[0])
            if child is not None:
                return child.route(request, path_components[1:])
        return super().route(request, path_components)

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated and not getattr(request, "is_preview", False):
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from staff.selectors import learner_course_assignments

        from .selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        assignments = learner_course_assignments(user=request.user, course_id=self.pk)
        context["assignment"], context["history"] = assignments.current, assignments.history
        context["outline"] = course_outline(
            course=self,
            user=request.user,
            assignment=assignments.current.assignment if assignments.current else None,
        )
        # The learner's courses this cycle, this one included, when there is more than one.
        context["courses"] = assignments.courses if len(assignments.courses) > 1 else []
        outline = context["outline"]
        context["all_passed"] = bool(outline) and all(e.section_passed for e in outline)
        context["certificates"] = []
        # The apps above this one add their part (the test-out offer, the learner's
        # certificates), as Wagtail's hooks let them: training never imports them.
        for add_to_context in hooks.get_hooks(COURSE_PAGE_CONTEXT_HOOK):
            add_to_context(course=self, request=request, context=context)
        return context


class SectionPage(KeptInMemoryMixin, Page):
    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(SlideStreamBlock(), verbose_name=_("slides"))

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["training.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("section")

    @property
    def slide_count(self) -> int:
        return len(self.body)

    def serve(self, request, *args, **kwargs):
        from . import selectors, services

        is_preview = getattr(request, "is_preview", False)
        if not request.user.is_authenticated and not is_preview:
            return redirect_to_login(request.get_full_path())

        course = self.get_parent().specific
        outline = selectors.course_outline(course=course, user=request.user)
        entry = next((e for e in outline if e.section.pk == self.pk), None)
        if not is_preview and (entry is None or not entry.is_open):
            messages.info(request, _("Pass the quiz of the section before this one first."))
            return HttpResponseRedirect(course.url)

        requested = request.GET.get("slide")
        number = selectors.slide_to_show(
            section=self,
            last_seen=entry.last_slide if entry else 1,
            furthest=entry.furthest_slide if entry else 0,
            requested=requested,
            unrestricted=is_preview,
        )
        if requested != str(number):
            # One canonical URL per slide, so Previous/Next, bookmarks and resume agree.
            return HttpResponseRedirect(f"{self.url}?slide={number}")
        if not is_preview:
            services.progress_record_slide_view(
                user=request.user,
                section=self,
                number=number,
                assignment_id=entry.assignment_id,
                counts_from=entry.counts_from,
            )
            # The outline was read before this view was recorded: bring this entry up to date.
            seen = replace(
                entry, last_slide=number, furthest_slide=max(entry.furthest_slide, number)
            )
            outline = [seen if e is entry else e for e in outline]
        return super().serve(request, *args, slide_number=number, outline=outline, **kwargs)

    def get_context(self, request, *args, slide_number=None, outline=None, **kwargs):
        from .selectors import course_outline, section_player

        if slide_number is None:
            # Wagtail's preview renders the context directly: let editors page through it.
            requested = request.GET.get("slide", "1")
            slide_number = number_from_request(requested) or 1
        context = super().get_context(request, *args, **kwargs)
        if outline is None:
            outline = course_outline(course=self.get_parent().specific, user=request.user)
        context.update(
            section_player(section=self, request=request, number=slide_number, outline=outline)
        )
        return context


class SectionProgress(models.Model):
    """How far one learner has read in one section. Reading is not compliance: the quiz is."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="section_progress"
    )
    section = models.ForeignKey(SectionPage, on_delete=models.CASCADE, related_name="progress")
    # The assignment the reading counts for; empty for someone reading without one (an editor
    # looking at the course).
    assignment = models.ForeignKey(
        "staff.Assignment",
        on_delete=models.PROTECT,
        related_name="section_progress",
        null=True,
        blank=True,
    )
    last_slide = models.PositiveSmallIntegerField(_("last slide seen"), default=1)
    furthest_slide = models.PositiveSmallIntegerField(_("furthest slide reached"), default=1)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("section progress")
        verbose_name_plural = _("section progress")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "section"],
                condition=models.Q(assignment__isnull=False),
                name="one_progress_per_assignment_and_section",
            ),
            models.UniqueConstraint(
                fields=["user", "section"],
                condition=models.Q(assignment__isnull=True),
                name="one_unassigned_progress_per_section",
            ),
            models.CheckConstraint(
                condition=models.Q(last_slide__gte=1)
                & models.Q(furthest_slide__gte=models.F("last_slide")),
                name="progress_slides_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.section}: slide {self.last_slide}"


class SlideView(models.Model):
    """One slide shown to one learner: the evidence of reading. `left_at` is the learner's
    next step (another slide, or a quiz); it stays empty until then. Time on task counts
    each slide up to a cap (selectors.time_on_task), so that a slide left open over lunch
    counts as a few minutes, not an hour."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slide_views"
    )
    section = models.ForeignKey(SectionPage, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(
        "staff.Assignment", on_delete=models.PROTECT, related_name="slide_views", null=True
    )
    slide = models.PositiveSmallIntegerField(_("slide"))
    viewed_at = models.DateTimeField(_("viewed"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("slide view")
        indexes = [models.Index(fields=["user", "left_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(slide__gte=1), name="slide_view_slide")
        ]

    def __str__(self):
        return f"{self.user} – {self.section} slide {self.slide}"


class PolicyVersion(models.Model):
    """One version of the acknowledgement a course's learners sign: the policy text in force
    from a date. Kept whole in the database, so what a person signed can be shown years later;
    a version someone has signed never changes (a change is a new version)."""

    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="policy_versions")
    number = models.PositiveSmallIntegerField(_("version"))
    effective_on = models.DateField(_("in effect from"))
    title = models.CharField(_("title"), max_length=255)
    paragraphs = models.JSONField(_("paragraphs"))
    party = models.CharField(_("party"), max_length=255, blank=True)
    # File names of the policies it acknowledges, each linked from the signing page.
    policies = models.JSONField(_("policies acknowledged"), default=list, blank=True)
    source_document = models.CharField(_("source document"), max_length=100)
    source_passage = models.CharField(_("passage"), max_length=255)
    summary_of_changes = models.TextField(_("summary of changes"), blank=True)
    material = models.BooleanField(
        _("material change"),
        default=True,
        help_text=_("A material change asks everyone to acknowledge again; a minor one does not."),
    )
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    # Slugs of the sections whose content changed with this version: after a material change
    # they are read and passed again.
    sections_changed = models.JSONField(_("sections changed"), default=list, blank=True)
    published_at = models.DateTimeField(
        _("published"),
        null=True,
        blank=True,
        help_text=_("From then on learners sign this version (once it is in effect)."),
    )
    # When an administrator published this material change to people who had signed before:
    # from then on they acknowledge again, and its changed sections are read and passed again.
    reacknowledgement_asked_at = models.DateTimeField(
        _("re-acknowledgement asked for"), null=True, blank=True
    )

    class Meta:
        ordering = ["course", "number"]
        verbose_name = _("policy version")
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="policy_version_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="policy_version_from_1"),
        ]

    def __str__(self):
        return _("Version %(number)s, in effect from %(date)s") % {
            "number": self.number,
            "date": date_format(self.effective_on, long_date_format()),
        }

    @property
    def text(self) -> str:
        """The text as signed: title and paragraphs, what text_sha256 is the hash of."""
        return policy_text(self.title, self.paragraphs)


def policy_text(title: str, paragraphs: list[str]) -> str:
    return "\n\n".join([title, *paragraphs])


class ContentVersion(models.Model):
    """Changes whenever what learners are shown changes: a page published, moved or deleted,
    the site, a view restriction, a source document, a policy version, a quiz's questions.
    Every process keeps the course's structure in memory and reads this value once per request
    (training.content_cache), so a change made through one process is seen at once by every
    other one, on every host. The change and the new value commit together; a value is never
    used twice, so a change rolled back cannot pass for a later one."""

    value = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="content_version_single_row")
        ]

    def __str__(self):
        return str(self.value)


class CourseTranslation(models.Model):
    """One version of a course's translation into one language: {English text: translation}
    for every text a learner reads, as load_course read it from content/translations/. Learners
    see the newest version an administrator has marked reviewed; until then, the English. The
    English text governs: a translation helps a person understand what they sign."""

    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="translations")
    language = models.CharField(_("language"), max_length=10)
    number = models.PositiveSmallIntegerField(_("version"))
    messages = models.JSONField(_("translated texts"))
    # How many texts the course had in English when this version was loaded: what it covers.
    english_total = models.PositiveIntegerField(_("texts in English"))
    loaded_at = models.DateTimeField(_("loaded"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # The reviewer's name as it was, kept if the account is later removed.
    reviewer_name = models.CharField(_("reviewer"), max_length=255, blank=True)

    class Meta:
        ordering = ["course", "language", "number"]
        verbose_name = _("course translation")
        permissions = [("review_coursetranslation", _("Can mark a course translation reviewed"))]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "language", "number"], name="course_translation_version_once"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="course_translation_version_from_1"
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, reviewer_name="")
                | models.Q(reviewed_at__isnull=False) & ~models.Q(reviewer_name=""),
                name="course_translation_reviewed_by_someone",
            ),
        ]

    def __str__(self):
        return _("%(language)s translation, version %(number)s") % {
            "language": self.language_name,
            "number": self.number,
        }

    @property
    def language_name(self) -> str:
        from django.utils.translation import get_language_info

        return get_language_info(self.language)["name_translated"]

    @property
    def translated_total(self) -> int:
        return len(self.messages)
