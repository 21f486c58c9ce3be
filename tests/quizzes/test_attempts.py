import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.utils.html import escape

from quizzes import services
from quizzes.models import Attempt, AttemptQuestion, Choice, Question, Quiz
from quizzes.services import attempt_start_or_resume, attempt_submit
from tests.helpers import answer_attempt, login_verified, pass_section, read_all_slides


@pytest.fixture
def quiz(sections) -> Quiz:
    return Quiz.objects.get(section=sections[0])


@pytest.fixture
def ready_learner(learner, sections):
    read_all_slides(learner, sections[0])
    return learner


def take_url(section):
    return f"/quiz/section/{section.pk}/"


# --- gating ---------------------------------------------------------------------------------


def test_the_quiz_stays_closed_until_the_last_slide_is_reached(learner_client, learner, sections):
    from training.services import progress_record_slide_view

    progress_record_slide_view(user=learner, section=sections[0], number=2)
    response = learner_client.get(take_url(sections[0]), follow=True)
    assert response.redirect_chain[-1][0].startswith(sections[0].url)
    assert services.SLIDES_NOT_READ.encode() in response.content
    assert not Attempt.objects.exists()


def test_the_next_sections_quiz_stays_closed_until_this_one_is_passed(
    learner_client, learner, sections
):
    read_all_slides(learner, sections[1])
    response = learner_client.get(take_url(sections[1]))
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Attempt.objects.exists()
    pass_section(learner, sections[0])
    assert learner_client.get(take_url(sections[1])).status_code == 200


def test_reading_every_slide_opens_the_quiz(learner_client, ready_learner, sections):
    response = learner_client.get(take_url(sections[0]))
    assert response.status_code == 200
    assert Attempt.objects.filter(user=ready_learner, submitted_at__isnull=True).count() == 1


def test_reloading_the_quiz_resumes_the_same_attempt(learner_client, ready_learner, sections):
    first = learner_client.get(take_url(sections[0])).content
    second = learner_client.get(take_url(sections[0])).content
    assert Attempt.objects.count() == 1
    assert re.findall(rb'value="(\d+)"', first) == re.findall(rb'value="(\d+)"', second)


# --- the page holds no answers ------------------------------------------------------------


class InputCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input" and dict(attrs).get("type") in ("radio", "checkbox"):
            self.inputs.append(dict(attrs))


def test_the_quiz_page_holds_no_correctness_data(learner_client, ready_learner, sections):
    html = learner_client.get(take_url(sections[0])).content.decode()
    collector = InputCollector()
    collector.feed(html)
    assert collector.inputs
    for attrs in collector.inputs:
        # Right and wrong choices are marked up alike: nothing but type, name, id and value.
        assert set(attrs) == {"type", "name", "id", "value"}
    for question in Question.objects.filter(quiz__section=sections[0]):
        assert question.explanation not in html
    # The page's own words aside (the hint, and prompts that ask which statements are
    # correct), nothing on it says "correct".
    shown = html.replace("select every correct answer", "")
    for item in Attempt.objects.get().items.all():
        shown = shown.replace(escape(item.shown["prompt"]), "")
    assert "correct" not in shown


# --- submitting ------------------------------------------------------------------------------


def test_a_right_answer_to_everything_passes_and_is_recorded(
    learner_client, ready_learner, quiz, sections
):
    learner_client.get(take_url(sections[0]))
    attempt = Attempt.objects.get()
    response = learner_client.post(f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100
    assert attempt.submitted_at and attempt.started_at <= attempt.submitted_at
    items = list(attempt.items.order_by("position"))
    assert len(items) == quiz.questions_per_attempt
    assert all(item.is_correct and item.selected_choice_ids for item in items)


def test_exactly_the_pass_mark_passes(ready_learner, quiz):
    quiz.questions_per_attempt = 5
    quiz.save()
    attempt = attempt_start_or_resume(user=ready_learner, quiz=quiz)
    recorded = attempt_submit(
        user=ready_learner, attempt_id=attempt.pk, data=answer_attempt(attempt, right=4)
    )
    assert (recorded.question_count, recorded.correct_count) == (5, 4)
    assert recorded.score == 80 and recorded.passed


def test_submitting_the_same_attempt_twice_records_it_once(learner_client, ready_learner, sections):
    learner_client.get(take_url(sections[0]))
    attempt = Attempt.objects.get()
    learner_client.post(f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt, right=0))
    first = Attempt.objects.get()
    answers_before = list(AttemptQuestion.objects.values_list("selected_choice_ids", flat=True))

    again = learner_client.post(f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt))
    assert again.status_code == 302
    assert again["Location"] == f"/quiz/attempt/{attempt.pk}/"
    second = Attempt.objects.get()
    assert (second.score, second.passed, second.submitted_at) == (
        first.score,
        first.passed,
        first.submitted_at,
    )
    assert list(AttemptQuestion.objects.values_list("selected_choice_ids", flat=True)) == (
        answers_before
    )


def test_a_failed_attempt_shows_the_score_the_wrong_questions_and_their_explanations(
    learner_client, ready_learner, sections
):
    learner_client.get(take_url(sections[0]))
    attempt = Attempt.objects.get()
    response = learner_client.post(
        f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt, right=2), follow=True
    )
    html = response.content.decode()
    attempt.refresh_from_db()
    assert "Not passed yet" in html
    assert "Your score: <strong>40 %</strong> (2 of 5 correct)" in html
    wrong = attempt.items.filter(is_correct=False)
    assert "3 of your answers were not right" in html
    for item in wrong:
        assert item.shown["explanation"].replace("'", "&#x27;").replace('"', "&quot;") in html
        assert escape(item.shown["prompt"]) in html
    # Nothing says which choice was keyed: a retry still measures what the learner knows.
    assert "The right answer:" not in html and "Your answer" not in html
    for item in attempt.items.filter(is_correct=True):
        assert escape(item.shown.get("scenario") or item.shown["prompt"]) not in html
    assert "Review the section" in html and "Try the quiz again" in html

    retry = learner_client.get(take_url(sections[0]))
    assert retry.status_code == 200
    assert Attempt.objects.count() == 2


def test_a_passed_section_stays_passed(learner_client, ready_learner, sections):
    passed = pass_section(ready_learner, sections[0])
    response = learner_client.get(take_url(sections[0]))
    assert response["Location"] == f"/quiz/attempt/{passed.pk}/"
    with pytest.raises(services.QuizUnavailable, match=services.ALREADY_PASSED):
        attempt_start_or_resume(user=ready_learner, quiz=passed.quiz)


def test_the_attempt_limit_and_the_wait_between_attempts(ready_learner, quiz):
    quiz.max_attempts = 2
    quiz.wait_between_attempts = timedelta(minutes=30)
    quiz.save()
    attempt = attempt_start_or_resume(user=ready_learner, quiz=quiz)
    attempt = attempt_submit(
        user=ready_learner, attempt_id=attempt.pk, data=answer_attempt(attempt, right=0)
    )
    with pytest.raises(services.QuizUnavailable, match="You can try this quiz again from"):
        attempt_start_or_resume(user=ready_learner, quiz=quiz)
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=attempt.submitted_at - timedelta(minutes=31)
    )
    second = attempt_start_or_resume(user=ready_learner, quiz=quiz)
    assert second.number == 2
    second = attempt_submit(
        user=ready_learner, attempt_id=second.pk, data=answer_attempt(second, right=0)
    )
    Attempt.objects.filter(pk=second.pk).update(
        submitted_at=second.submitted_at - timedelta(minutes=31)
    )
    with pytest.raises(services.QuizUnavailable, match="You have used all 2 attempts"):
        attempt_start_or_resume(user=ready_learner, quiz=quiz)


# --- shuffling and drawing -----------------------------------------------------------------


def test_shuffling_changes_the_order_but_keeps_each_choice_with_its_correctness(
    ready_learner, quiz, django_user_model
):
    orders, choice_orders = set(), set()
    truth = {c.pk: (c.text, c.is_correct) for c in Choice.objects.filter(question__quiz=quiz)}
    for n in range(12):
        user = django_user_model.objects.create_user(f"s{n}@school.example")
        read_all_slides(user, quiz.section)
        attempt = attempt_start_or_resume(user=user, quiz=quiz)
        items = list(attempt.items.order_by("position"))
        orders.add(tuple(i.question_id for i in items))
        choice_orders.add(tuple(c["id"] for i in items for c in i.shown["choices"]))
        for item in items:
            for shown in item.shown["choices"]:
                assert truth[shown["id"]] == (shown["text"], shown["correct"])
    assert len(orders) > 1 and len(choice_orders) > 1


def test_without_shuffling_questions_and_choices_keep_their_order(ready_learner, quiz):
    quiz.shuffle = False
    quiz.save()
    attempt = attempt_start_or_resume(user=ready_learner, quiz=quiz)
    items = list(attempt.items.order_by("position"))
    bank = {q.pk: q for q in quiz.questions.filter(is_active=True)}
    drawn = [bank[i.question_id] for i in items]
    assert drawn == sorted(drawn, key=lambda q: q.sort_order)
    for item, question in zip(items, drawn, strict=True):
        assert item.choice_ids == [c.pk for c in question.choices.all()]


def test_each_retry_asks_questions_not_asked_before_while_the_bank_allows(ready_learner, quiz):
    bank_size = quiz.questions.filter(is_active=True).count()
    drawn = quiz.questions_per_attempt
    assert bank_size >= 3 * drawn
    asked: list[set[int]] = []
    for _ in range(bank_size // drawn + 1):
        attempt = attempt_start_or_resume(user=ready_learner, quiz=quiz)
        asked.append(set(attempt.items.values_list("question_id", flat=True)))
        attempt_submit(
            user=ready_learner, attempt_id=attempt.pk, data=answer_attempt(attempt, right=0)
        )
    full_rounds = bank_size // drawn
    seen: set[int] = set()
    for questions in asked[:full_rounds]:
        assert not questions & seen, "a retry repeated a question while others were unasked"
        seen |= questions
    # Once every question was asked, the next draw takes the unasked rest first.
    unasked = set(quiz.questions.filter(is_active=True).values_list("pk", flat=True)) - seen
    assert unasked <= asked[full_rounds]


def test_a_quiz_draws_the_configured_number_of_questions(ready_learner, quiz):
    quiz.questions_per_attempt = 3
    quiz.save()
    attempt = attempt_start_or_resume(user=ready_learner, quiz=quiz)
    assert attempt.items.count() == 3 == attempt.question_count


# --- tampered forms --------------------------------------------------------------------------


@pytest.fixture
def open_attempt(learner_client, ready_learner, sections):
    learner_client.get(take_url(sections[0]))
    return Attempt.objects.get()


def assert_nothing_recorded(attempt):
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None
    assert not attempt.items.filter(selected_choice_ids__isnull=False).exists()


def test_an_unknown_choice_id_is_refused(learner_client, open_attempt):
    data = answer_attempt(open_attempt)
    data["q1"] = ["999999"]
    response = learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    assert response.status_code == 400
    assert services.ANSWER_UNKNOWN_CHOICE in response.content.decode().replace("&#x27;", "'")
    assert_nothing_recorded(open_attempt)


def test_an_answer_beyond_the_shown_choices_is_refused(learner_client, open_attempt):
    data = answer_attempt(open_attempt)
    data["q1"] = [str(len(open_attempt.items.get(position=1).choice_ids) + 1)]
    response = learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    assert response.status_code == 400
    assert_nothing_recorded(open_attempt)


def test_the_form_names_answers_by_place_so_ids_cannot_undo_the_shuffle(
    learner_client, open_attempt
):
    html = learner_client.get(f"/quiz/section/{open_attempt.quiz.section_id}/").content.decode()
    for item in open_attempt.items.all():
        values = re.findall(rf'name="q{item.position}" id="[^"]+" value="(\d+)"', html)
        assert values == [str(n) for n in range(1, len(item.choice_ids) + 1)]


def test_an_answer_to_a_question_not_in_the_attempt_is_refused(learner_client, open_attempt):
    data = answer_attempt(open_attempt)
    data["q99"] = ["1"]
    response = learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    assert response.status_code == 400
    assert services.QUESTION_NOT_IN_ATTEMPT in response.content.decode()
    assert_nothing_recorded(open_attempt)


def test_a_missing_answer_is_refused_and_the_other_answers_are_kept(learner_client, open_attempt):
    data = answer_attempt(open_attempt)
    del data["q2"]
    response = learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Question 2: Answer this question." in html
    assert f'value="{data["q1"][0]}" checked' in html
    assert_nothing_recorded(open_attempt)


def test_two_answers_to_a_one_answer_question_are_refused(learner_client, open_attempt):
    item = next(i for i in open_attempt.items.all() if not i.allows_several_answers)
    data = answer_attempt(open_attempt)
    data[f"q{item.position}"] = ["1", "2"]
    response = learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    assert response.status_code == 400
    assert_nothing_recorded(open_attempt)


def test_someone_elses_attempt_is_not_found_and_stays_untouched(client, open_attempt):
    intruder = get_user_model().objects.create_user("intruder@school.example")
    login_verified(client, intruder)
    submit = client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", answer_attempt(open_attempt))
    assert submit.status_code == 404
    assert client.get(f"/quiz/attempt/{open_attempt.pk}/").status_code == 404
    assert_nothing_recorded(open_attempt)


def test_an_attempt_is_always_the_signed_in_learners_own(learner_client, open_attempt, learner):
    other = get_user_model().objects.create_user("other@school.example")
    data = answer_attempt(open_attempt) | {"user": [str(other.pk)], "user_id": [str(other.pk)]}
    learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    assert Attempt.objects.get().user == learner
    assert not Attempt.objects.filter(user=other).exists()


def test_the_quiz_pages_need_a_login_and_a_post_to_submit(client, learner_client, open_attempt):
    assert client.get(f"/quiz/attempt/{open_attempt.pk}/").status_code == 302
    assert learner_client.get(f"/quiz/attempt/{open_attempt.pk}/submit/").status_code == 405


@pytest.mark.parametrize(
    "field, value",
    [
        ("q²", "1"),
        ("q" + "1" * 5000, "1"),
        ("q١", "1"),
        ("q1", "²"),
        ("q1", "٣"),
        ("q1", "9" * 5000),
    ],
)
def test_h11_unicode_digits_and_huge_numbers_are_refused_not_a_server_error(
    learner_client, open_attempt, field, value
):
    data = answer_attempt(open_attempt)
    data[field] = [value]
    response = learner_client.post(f"/quiz/attempt/{open_attempt.pk}/submit/", data)
    assert response.status_code == 400
    assert_nothing_recorded(open_attempt)


def test_a_quiz_may_show_the_right_answers_after_a_failed_attempt(
    learner_client, ready_learner, quiz, sections
):
    quiz.review_shows_answers = True
    quiz.save()
    learner_client.get(take_url(sections[0]))
    attempt = Attempt.objects.get()
    response = learner_client.post(
        f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt, right=2), follow=True
    )
    html = response.content.decode()
    assert html.count("The right answer:") == 3 and html.count("Your answer:") == 5


def test_a_passed_quiz_shows_the_full_review(learner_client, ready_learner, sections):
    learner_client.get(take_url(sections[0]))
    attempt = Attempt.objects.get()
    response = learner_client.post(
        f"/quiz/attempt/{attempt.pk}/submit/", answer_attempt(attempt, right=4), follow=True
    )
    html = response.content.decode()
    assert "You passed" in html
    assert html.count("Your answer:") == 5 and html.count("The right answer:") == 1
