"""Quizzes in the Wagtail admin: one listing of every question of every type, a form per type,
and each section's quiz settings, grouped under one menu item."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from training.content import QUIZ_CONTENT_HOOK
from training.models import COURSE_PAGE_CONTEXT_HOOK
from training.selectors import SECTION_ASSESSMENT_HOOK

from .models import (
    MultipleResponseQuestion,
    Question,
    Quiz,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Quiz settings")
    list_display = ["section", "pass_mark", "questions_per_attempt", "shuffle", "max_attempts"]
    ordering = ["section__path"]
    inspect_view_enabled = True


class SpecificEditColumn(TitleColumn):
    """Links each row to the form of the question's own type."""

    def get_link_url(self, instance, parent_context):
        model = type(instance)
        return reverse(
            f"wagtailsnippets_{model._meta.app_label}_{model._meta.model_name}:edit",
            args=[instance.pk],
        )


class AllQuestionsViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("All questions")
    url_prefix = "quizzes/all-questions"
    list_display = [
        SpecificEditColumn("prompt", label=_("Question")),
        Column("key", label=_("Key")),
        Column("type_label", label=_("Type")),
        "quiz",
        "sort_order",
        "is_active",
    ]
    list_filter = ["quiz", "is_active"]
    search_fields = ["prompt", "explanation", "key"]
    ordering = ["quiz__section__path", "sort_order", "pk"]
    # Questions are added through their own type's form, which knows its fields.
    add_to_admin_menu = False
    # The whole bank (about 125 questions, and those retired) on one page, section after
    # section.
    list_per_page = 250

    def get_queryset(self, request):
        return Question.objects.select_related("quiz__section").order_by(*self.ordering)


def _question_viewset(question_model, label):
    return type(
        f"{question_model.__name__}ViewSet",
        (SnippetViewSet,),
        {
            "model": question_model,
            "icon": "help",
            "menu_label": label,
            "list_display": ["prompt", "quiz", "sort_order", "is_active"],
            "list_filter": ["quiz", "is_active"],
            "search_fields": ["prompt"],
            # Section by section in course order, then each quiz's own order.
            "ordering": ["quiz__section__path", "sort_order", "pk"],
            "list_per_page": 250,
        },
    )


class QuizzesGroup(SnippetViewSetGroup):
    menu_label = _("Quizzes")
    menu_icon = "tasks"
    menu_order = 250
    items = (
        QuizViewSet,
        AllQuestionsViewSet,
        _question_viewset(SingleChoiceQuestion, _("Single-choice questions")),
        _question_viewset(MultipleResponseQuestion, _("Multiple-response questions")),
        _question_viewset(TrueFalseQuestion, _("True / false questions")),
        _question_viewset(ScenarioQuestion, _("Scenario questions")),
    )


register_snippet(QuizzesGroup)


@hooks.register(COURSE_PAGE_CONTEXT_HOOK)
def course_page_test_out(*, course, request, context):
    """The course page offers the test-out to a refresher, or the way back into an open one."""
    if not request.user.is_authenticated:
        return
    from .selectors import test_out_attempts, test_out_offered

    # The course page has read the learner's assignment already.
    current = context.get("assignment")
    context["test_out_open"] = bool(
        test_out_attempts(
            user=request.user,
            course=course,
            submitted=False,
            assignment=current.assignment if current else None,
        )
    )
    context["test_out_offered"] = not context["test_out_open"] and test_out_offered(
        user=request.user, course=course, current=current
    )


@hooks.register(QUIZ_CONTENT_HOOK)
def quiz_content():
    """Each section's quiz settings and question bank in content/: read, loaded, exported."""
    from .services import QuizContent

    return QuizContent


@hooks.register(SECTION_ASSESSMENT_HOOK)
def section_assessment():
    """Each section's quiz: what the course outline shows and what opens the next section."""
    from .selectors import quiz_status_by_section, sections_with_questions

    return quiz_status_by_section, sections_with_questions
