from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes.models import (
    MultipleResponseQuestion,
    Question,
    ScenarioQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)
from quizzes.services import attempt_score


def ids(question, *, correct):
    return {c.pk for c in question.choices.all() if c.is_correct is correct}


@pytest.mark.parametrize("model", [SingleChoiceQuestion, ScenarioQuestion, TrueFalseQuestion])
def test_one_answer_questions_grade_right_wrong_none_and_all(course, model):
    question = model.objects.first()
    right, wrong = ids(question, correct=True), ids(question, correct=False)
    assert question.grade(right) == 1
    assert question.grade({next(iter(wrong))}) == 0
    assert question.grade(set()) == 0
    assert question.grade(right | wrong) == 0


def test_multiple_response_is_all_or_nothing(course):
    question = MultipleResponseQuestion.objects.first()
    right, wrong = ids(question, correct=True), ids(question, correct=False)
    assert len(right) >= 2 and wrong
    assert question.grade(right) == 1
    assert question.grade(set(list(right)[:-1])) == 0  # partial selection
    assert question.grade(right | {next(iter(wrong))}) == 0  # every right one plus a wrong one
    assert question.grade(right | wrong) == 0  # all choices
    assert question.grade(set()) == 0  # nothing chosen


def test_an_attempt_grades_against_what_it_showed_not_later_edits(course):
    question = SingleChoiceQuestion.objects.first()
    right = ids(question, correct=True)
    shown_correct = set(right)
    question.choices.update(is_correct=False)
    assert question.grade(right, shown_correct) == 1


@pytest.mark.parametrize(
    ("correct", "total", "pass_mark", "score", "passed"),
    [
        (4, 5, 80, Decimal("80.00"), True),  # exactly the pass mark passes
        (3, 4, 80, Decimal("75.00"), False),
        (5, 5, 80, Decimal("100.00"), True),
        (0, 6, 80, Decimal("0.00"), False),
        (5, 6, 80, Decimal("83.33"), True),
        (2, 3, 67, Decimal("66.67"), False),  # 66.666… rounds up for display, not for passing
        (1, 1, 100, Decimal("100.00"), True),
    ],
)
def test_pass_mark_boundaries(correct, total, pass_mark, score, passed):
    assert attempt_score(correct=correct, total=total, pass_mark=pass_mark) == (score, passed)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_grading_is_deterministic_and_bounded(course, data):
    questions = list(Question.objects.prefetch_related("choices"))
    question = data.draw(st.sampled_from(questions))
    choice_ids = [c.pk for c in question.choices.all()]
    selected = data.draw(st.sets(st.sampled_from(choice_ids + [10**9])))
    first = question.grade(selected)
    assert first == question.grade(set(selected))
    assert Fraction(0) <= first <= Fraction(1)


@given(
    total=st.integers(min_value=1, max_value=200),
    share=st.floats(min_value=0, max_value=1),
    pass_mark=st.integers(min_value=1, max_value=100),
)
def test_attempt_scores_stay_between_0_and_100(total, share, pass_mark):
    correct = round(total * share)
    score, passed = attempt_score(correct=correct, total=total, pass_mark=pass_mark)
    assert Decimal(0) <= score <= Decimal(100)
    assert passed == (Fraction(correct, total) * 100 >= pass_mark)
    assert (score, passed) == attempt_score(correct=correct, total=total, pass_mark=pass_mark)
