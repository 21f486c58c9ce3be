import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
            source_document_id="002_dd222be6dbbd2414.txt",
            source_passage="Title slide",
        )
        Choice.objects.bulk_create(
            Choice(question=question, text=f"Choice {i}", is_correct=i == 0, sort_order=i)
            for i in range(4)
        )


# Measured with 5 and with 40 questions: the same counts. A page that queried per question
# would exceed these bounds at 40.
# Starting an attempt also locks the learner's row and looks again for an open attempt, so two
# tabs opening the quiz together share one (tests/quizzes/test_concurrency.py).
# The section, its course, the outline's structure and the site are kept in memory under the
# content version (one query); the first request here also builds them (about 8 more).
# Resuming: user, content version, quiz, assignment, reading, quiz state, the write that ends
# the time on the last slide read, the open attempt and its questions.
# A new attempt also counts which questions were asked before, draws them (one query per
# question type, and their choices) and writes them.
QUERY_BOUNDS = {"start": 33, "resume": 9, "submit": 14, "result": 9}


@pytest.mark.parametrize("bank_size", [5, 40])
def test_quiz_and_result_pages_take_the_same_few_queries_however_many_questions(
    learner_client, learner, sections, bank_size
):
    quiz = Quiz.objects.get(section=sections[0])
    grow_bank(quiz, bank_size)
    quiz.questions_per_attempt = bank_size
    quiz.save()
    read_all_slides(learner, sections[0])
    url = f"/quiz/section/{sections[0].pk}/"
    counts = {}

    with CaptureQueriesContext(connection) as queries:
        first = learner_client.get(url)  # draws the questions and records what is shown
    counts["start"] = len(queries)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = learner_client.get(url)
    counts["resume"] = len(queries)
    assert again.content.count(b"<fieldset") == bank_size

    attempt = Attempt.objects.get()
    with CaptureQueriesContext(connection) as queries:
        learner_client.post(f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt))
    counts["submit"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        result = learner_client.get(f"/quiz/attempt/{attempt.pk}/")
    counts["result"] = len(queries)
    assert result.content.count(b"review__item ") == bank_size

    for step, bound in QUERY_BOUNDS.items():
        assert counts[step] <= bound, (step, counts)
