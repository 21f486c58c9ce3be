"""A quiz per section and its question bank. Each question type grades itself.

Question types are django-polymorphic subclasses of Question, so one query over Question
returns every type, and each type's own `grade()` is used.
"""

from fractions import Fraction

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from polymorphic.models import PolymorphicModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from .forms import QuestionAdminForm, TrueFalseQuestionAdminForm


class Quiz(models.Model):
    section = models.OneToOneField(
        "training.SectionPage",
        on_delete=models.PROTECT,
        related_name="quiz",
        verbose_name=_("section"),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The lowest score, in percent, that passes."),
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("How many questions are drawn from the bank for each attempt. Empty: all."),
    )
    shuffle = models.BooleanField(
        _("shuffle questions and choices"),
        default=True,
        help_text=_("Show the questions and their choices in a new random order each attempt."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: unlimited."),
    )
    review_shows_answers = models.BooleanField(
        _("show the right answers after a failed attempt"),
        default=False,
        help_text=_(
            "Off: after a failed attempt the learner sees which questions were wrong, with "
            "their explanation and source, but not the right choice, so a retry still "
            "measures what they know. The right answers are shown once the quiz is passed."
        ),
    )
    wait_between_attempts = models.DurationField(
        _("wait between attempts"),
        null=True,
        blank=True,
        help_text=_("Optional pause after a failed attempt before the next, e.g. 00:10:00."),
    )

    panels = [
        FieldPanel("section", read_only=True),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("questions_per_attempt"),
                FieldPanel("shuffle"),
                FieldPanel("max_attempts"),
                FieldPanel("wait_between_attempts"),
                FieldPanel("review_shows_answers"),
            ],
            heading=_("Settings"),
        ),
    ]

    class Meta:
        # Course order, wherever quizzes are listed or chosen (and, through Question's
        # ordering by quiz, the question bank too).
        ordering = ["section__path"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100),
                name="quiz_pass_mark_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=models.Q(questions_per_attempt__isnull=True)
                | models.Q(questions_per_attempt__gte=1),
                name="quiz_draws_at_least_one_question",
            ),
            models.CheckConstraint(
                condition=models.Q(max_attempts__isnull=True) | models.Q(max_attempts__gte=1),
                name="quiz_allows_at_least_one_attempt",
            ),
        ]

    def __str__(self):
        return _("Quiz: %(section)s") % {"section": self.section.title}


class Question(PolymorphicModel, ClusterableModel):
    """One question of a quiz's bank. Retired questions stay, because attempts refer to them."""

    type_key = ""  # the name used in content/ files

    quiz = models.ForeignKey(
        Quiz, on_delete=models.PROTECT, related_name="questions", verbose_name=_("quiz")
    )
    key = models.SlugField(
        _("key"),
        max_length=100,
        blank=True,
        help_text=_(
            "A stable name for the question, e.g. email-forward-student-records: the content "
            "files and reports know it by this. Empty: made from the question."
        ),
    )
    tags = models.JSONField(
        _("tags"),
        default=list,
        blank=True,
        help_text=_("The behaviours the question checks, e.g. texting-students."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    prompt = models.TextField(_("question"))
    explanation = models.TextField(
        _("explanation"),
        help_text=_("Shown after answering: why, quoting or citing the policy passage."),
    )
    # Keyed by file name, as slides and content/ files name a document; the admin offers the
    # documents by title.
    source_document = models.ForeignKey(
        "training.SourceDocument",
        to_field="filename",
        db_column="source_document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source document"),
        help_text=_("The policy document the explanation cites."),
    )
    source_passage = models.CharField(_("passage"), max_length=255)
    source_at = models.CharField(
        _("words that locate it"),
        max_length=255,
        blank=True,
        help_text=_("A few words copied from the passage: the Source link opens the policy there."),
    )
    is_active = models.BooleanField(
        _("in the bank"),
        default=True,
        help_text=_("Retired questions are no longer asked but stay in past attempts."),
    )

    choices_panel = InlinePanel("choices", heading=_("Choices"), label=_("Choice"), min_num=2)
    base_panels = [
        FieldPanel("quiz"),
        FieldPanel("key"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]
    explanation_panels = [
        FieldPanel("explanation"),
        MultiFieldPanel(
            # A plain list of titles: a handful of documents needs no search dialog.
            [
                FieldPanel("source_document", widget=forms.Select),
                FieldPanel("source_passage"),
                FieldPanel("source_at"),
            ],
            heading=_("Source"),
        ),
    ]

    class Meta:
        ordering = ["quiz", "sort_order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "key"],
                condition=~models.Q(key=""),
                name="question_key_once_per_quiz",
            )
        ]

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = self._unused_key()
        super().save(*args, **kwargs)

    def _unused_key(self) -> str:
        from django.utils.text import slugify

        stem = slugify(self.prompt)[:80].strip("-") or "question"
        taken = set(
            Question.objects.filter(quiz_id=self.quiz_id, key__startswith=stem)
            .exclude(pk=self.pk)
            .values_list("key", flat=True)
        )
        key, number = stem, 2
        while key in taken:
            key, number = f"{stem}-{number}", number + 1
        return key

    def __str__(self):
        return self.prompt[:80]

    @property
    def type_label(self) -> str:
        return str(self._meta.verbose_name)

    # Single choice, scenario and true/false take one answer; multiple response takes several.
    allows_several_answers = False
    base_form_class = QuestionAdminForm

    @classmethod
    def choices_problem(cls, choices: list[tuple[str, bool]]) -> str | None:
        """Why these (text, correct) choices cannot make a fair question of this type."""
        correct = sum(is_correct for _, is_correct in choices)
        if len(choices) < 2:
            return "Give at least two choices."
        if cls.allows_several_answers:
            if correct == 0 or correct == len(choices):
                return "Mark at least one choice correct and leave at least one wrong."
        elif correct != 1:
            return "Mark exactly one choice correct."
        return None

    def correct_choice_ids(self) -> set[int]:
        return {c.pk for c in self.choices.all() if c.is_correct}

    def grade(self, selected: set[int], correct: set[int] | None = None) -> Fraction:
        """The share of this question's mark that `selected` (choice ids) earns: 0 or 1.

        `correct` is the set of correct choice ids as the learner was shown them (an attempt's
        copy), so a later edit of the bank cannot change an old attempt's grade.
        """
        correct = self.correct_choice_ids() if correct is None else correct
        if self.allows_several_answers:
            return Fraction(int(bool(selected) and selected == correct))
        return Fraction(int(len(selected) == 1 and selected == correct))


class SingleChoiceQuestion(Question):
    type_key = "single_choice"

    panels = [
        *Question.base_panels,
        FieldPanel("prompt"),
        Question.choices_panel,
        *Question.explanation_panels,
    ]

    class Meta:
        verbose_name = _("single-choice question")


class ScenarioQuestion(SingleChoiceQuestion):
    """A short workplace situation, then a single-choice question about it."""

    type_key = "scenario"
    scenario = models.TextField(_("scenario"))

    panels = [
        *Question.base_panels,
        FieldPanel("scenario"),
        FieldPanel("prompt"),
        Question.choices_panel,
        *Question.explanation_panels,
    ]

    class Meta:
        verbose_name = _("scenario question")


class MultipleResponseQuestion(Question):
    """'Select all that apply': all or nothing, and the learner is told so."""

    type_key = "multiple_response"
    allows_several_answers = True

    panels = SingleChoiceQuestion.panels

    class Meta:
        verbose_name = _("multiple-response question")


class TrueFalseQuestion(Question):
    """Graded through two implicit choices, True and False, kept as Choice rows so that every
    question type is answered and recorded the same way."""

    type_key = "true_false"
    base_form_class = TrueFalseQuestionAdminForm

    panels = [
        *Question.base_panels,
        FieldPanel("prompt"),
        InlinePanel(
            "choices", heading=_("True and False"), label=_("Choice"), min_num=2, max_num=2
        ),
        *Question.explanation_panels,
    ]

    class Meta:
        verbose_name = _("true / false question")

    @classmethod
    def choices_problem(cls, choices: list[tuple[str, bool]]) -> str | None:
        if sorted(text for text, _ in choices) != ["False", "True"]:
            return 'A true / false question has exactly two choices, "True" and "False".'
        return super().choices_problem(choices)

    @property
    def answer(self) -> bool:
        return any(c.is_correct and c.text == "True" for c in self.choices.all())


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")

    def __str__(self):
        return self.text


class Attempt(models.Model):
    """One learner's go at one quiz: the compliance record administrators rely on.

    Never edited or deleted by the learner flow. What was shown (questions, their order, their
    choices in their order, which were correct) is copied into AttemptQuestion at the start, so
    the record stays true after the question bank changes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    # The assignment (course and cycle) the attempt counts for: its limits, its pass and its
    # certificate are that assignment's. Empty for someone without one (an editor trying the
    # quiz), whose attempts count for nothing.
    assignment = models.ForeignKey(
        "staff.Assignment",
        on_delete=models.PROTECT,
        related_name="attempts",
        null=True,
        blank=True,
        verbose_name=_("assignment"),
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField()

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("Section quiz")
        TEST_OUT = "test_out", _("Test-out (pre-assessment)")

    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.QUIZ, db_index=True
    )
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%) when taken"))
    # The language the questions were shown in (settings.LANGUAGES); all before Spanish: English.
    language = models.CharField(_("language"), max_length=10, default="en")

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("quiz attempt")
        constraints = [
            # A second tab or a double click cannot open two attempts with the same number.
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_number_once"),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        submitted_at__isnull=True,
                        score__isnull=True,
                        passed__isnull=True,
                        correct_count__isnull=True,
                    )
                    | models.Q(
                        submitted_at__isnull=False,
                        score__gte=0,
                        score__lte=100,
                        passed__isnull=False,
                        correct_count__lte=models.F("question_count"),
                    )
                ),
                name="attempt_graded_when_submitted",
            ),
        ]
        indexes = [models.Index(fields=["user", "quiz", "submitted_at"])]

    def __str__(self):
        return f"{self.user} – {self.quiz} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptQuestion(models.Model):
    """One question as it was shown in an attempt, and the answer given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    # {"type", "scenario", "prompt", "choices": [{"id", "text", "correct"}], "explanation",
    #  "source": {"document", "passage"}} with choices in the order shown.
    shown = models.JSONField()
    selected_choice_ids = models.JSONField(null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_position_once"),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_question_once"),
        ]

    def __str__(self):
        return f"{self.attempt} Q{self.position}"

    @property
    def allows_several_answers(self) -> bool:
        return self.shown["type"] == MultipleResponseQuestion.type_key

    @property
    def choice_ids(self) -> list[int]:
        return [c["id"] for c in self.shown["choices"]]

    @property
    def correct_ids(self) -> set[int]:
        return {c["id"] for c in self.shown["choices"] if c["correct"]}


QUESTION_TYPES: dict[str, type[Question]] = {
    model.type_key: model
    for model in (
        SingleChoiceQuestion,
        MultipleResponseQuestion,
        TrueFalseQuestion,
        ScenarioQuestion,
    )
}
