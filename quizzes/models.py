"""A quiz per section and its question bank. Each question type grades itself.

Question types are django-polymorphic subclasses of Question, so one query over Question
returns every type, and each type's own `grade()` is used.
"""

from fractions import Fraction

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from polymorphic.models import PolymorphicModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable


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
            ],
            heading=_("Settings"),
        ),
    ]

    class Meta:
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
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    prompt = models.TextField(_("question"))
    explanation = models.TextField(
        _("explanation"),
        help_text=_("Shown after answering: why, quoting or citing the policy passage."),
    )
    source_document = models.CharField(_("source document"), max_length=100)
    source_passage = models.CharField(_("passage"), max_length=255)
    is_active = models.BooleanField(
        _("in the bank"),
        default=True,
        help_text=_("Retired questions are no longer asked but stay in past attempts."),
    )

    base_panels = [
        FieldPanel("quiz"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]
    explanation_panels = [
        FieldPanel("explanation"),
        MultiFieldPanel(
            [FieldPanel("source_document"), FieldPanel("source_passage")],
            heading=_("Source"),
        ),
    ]

    class Meta:
        ordering = ["quiz", "sort_order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.prompt[:80]

    @property
    def type_label(self) -> str:
        return str(self._meta.verbose_name)

    def correct_choice_ids(self) -> set[int]:
        return {c.pk for c in self.choices.all() if c.is_correct}

    def grade(self, selected: set[int]) -> Fraction:
        """The share of this question's mark that `selected` (choice ids) earns: 0 or 1."""
        raise NotImplementedError


class SingleChoiceQuestion(Question):
    type_key = "single_choice"

    panels = [
        *Question.base_panels,
        FieldPanel("prompt"),
        InlinePanel("choices", label=_("Choices"), min_num=2),
        *Question.explanation_panels,
    ]

    class Meta:
        verbose_name = _("single-choice question")

    def grade(self, selected: set[int]) -> Fraction:
        return Fraction(int(len(selected) == 1 and selected == self.correct_choice_ids()))


class ScenarioQuestion(SingleChoiceQuestion):
    """A short workplace situation, then a single-choice question about it."""

    type_key = "scenario"
    scenario = models.TextField(_("scenario"))

    panels = [
        *Question.base_panels,
        FieldPanel("scenario"),
        FieldPanel("prompt"),
        InlinePanel("choices", label=_("Choices"), min_num=2),
        *Question.explanation_panels,
    ]

    class Meta:
        verbose_name = _("scenario question")


class MultipleResponseQuestion(Question):
    """'Select all that apply': all or nothing, and the learner is told so."""

    type_key = "multiple_response"

    panels = SingleChoiceQuestion.panels

    class Meta:
        verbose_name = _("multiple-response question")

    def grade(self, selected: set[int]) -> Fraction:
        return Fraction(int(bool(selected) and selected == self.correct_choice_ids()))


class TrueFalseQuestion(Question):
    """Graded through two implicit choices, True and False, kept as Choice rows so that every
    question type is answered and recorded the same way."""

    type_key = "true_false"

    panels = [
        *Question.base_panels,
        FieldPanel("prompt"),
        InlinePanel("choices", label=_("True and False"), min_num=2, max_num=2),
        *Question.explanation_panels,
    ]

    class Meta:
        verbose_name = _("true / false question")

    def grade(self, selected: set[int]) -> Fraction:
        return Fraction(int(len(selected) == 1 and selected == self.correct_choice_ids()))

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


QUESTION_TYPES: dict[str, type[Question]] = {
    model.type_key: model
    for model in (
        SingleChoiceQuestion,
        MultipleResponseQuestion,
        TrueFalseQuestion,
        ScenarioQuestion,
    )
}
