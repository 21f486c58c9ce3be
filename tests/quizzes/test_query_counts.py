import pytest

from quizzes.models import Attempt, Choice, Quiz, SingleChoiceQuestion
from tests.helpers import answer_attempt, read_all_slides


def grow_bank(quiz: Quiz, to: int):
    start = quiz.questions.count()
    for n in range(start, to):
        question = SingleChoiceQuestion.objects.create(
            quiz=quiz,
            sort_order=n + 1,
            prompt=f"Extra question {n}",
            explanation="Because the policy says so.",
            source_document="002_dd222be6dbbd2414.txt",
            source_passage="Title slide",
        )
        Choice.objects.bulk_create(
            Choice(question=question, text=f"Choice {i}", is_correct=i == 0, sort_order=i)
            for i in range(4)
        )


@pytest.mark.parametrize("bank_size", [6, 40])
def test_quiz_and_result_pages_take_the_same_few_queries_however_many_questions(
    learner_client, learner, sections, django_assert_max_num_queries, bank_size
):
    quiz = Quiz.objects.get(section=sections[0])
    grow_bank(quiz, bank_size)
    read_all_slides(learner, sections[0])
    url = f"/quiz/section/{sections[0].pk}/"

    with django_assert_max_num_queries(24):
        first = learner_client.get(url)  # draws the questions and records what is shown
    assert first.status_code == 200
    with django_assert_max_num_queries(14):
        again = learner_client.get(url)
    assert again.content.count(b"<fieldset") == bank_size

    attempt = Attempt.objects.get()
    with django_assert_max_num_queries(24):
        learner_client.post(f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt))
    with django_assert_max_num_queries(16):
        result = learner_client.get(f"/quiz/attempt/{attempt.pk}/")
    assert result.content.count(b"review__item ") == bank_size
