"""Attempts and acknowledgements record the language the learner was shown (issue M): what a
compliance record needs to say what the signer read."""

from certificates.models import Acknowledgement
from quizzes.models import Attempt, Quiz
from tests.helpers import read_all_slides

from .conftest import sign


def test_a_quiz_started_in_spanish_records_spanish(learner_client, learner, sections):
    read_all_slides(learner, sections[0])
    learner_client.post("/language/", {"language": "es", "next": "/"})
    page = learner_client.get(f"/quiz/section/{sections[0].pk}/")
    assert page.status_code == 200 and '<html lang="es">' in page.content.decode()
    attempt = Attempt.objects.get(quiz=Quiz.objects.get(section=sections[0]))
    assert attempt.language == "es"


def test_a_quiz_started_in_english_records_english(learner_client, learner, sections):
    read_all_slides(learner, sections[0])
    learner_client.get(f"/quiz/section/{sections[0].pk}/", headers={"accept-language": "en-US"})
    assert Attempt.objects.get().language == "en"


def test_the_acknowledgement_records_the_language_it_was_signed_in(
    learner_client, passed_everything
):
    learner_client.post("/language/", {"language": "es", "next": "/"})
    assert sign(learner_client).status_code == 302
    assert Acknowledgement.objects.get().language == "es"


def test_an_acknowledgement_signed_in_english_records_english(learner_client, passed_everything):
    assert sign(learner_client).status_code == 302
    assert Acknowledgement.objects.get().language == "en"
