"""Two tabs (or a double click) opening the same quiz at the same moment get one attempt. Run on
PostgreSQL (.ci/run), where the requests really run side by side; found by the load test."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections

from quizzes.models import Attempt, Quiz
from quizzes.services import attempt_start_or_resume
from tests.helpers import read_all_slides, restore_migration_data

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

TABS = 4


def test_tabs_opening_a_quiz_at_the_same_moment_share_one_attempt():
    from training.models import SectionPage

    restore_migration_data()
    call_command("load_course", verbosity=0)
    user = get_user_model().objects.create_user("tabs@school.example", password="x")
    section = SectionPage.objects.order_by("path").first()
    read_all_slides(user, section)
    quiz = Quiz.objects.get(section=section)
    barrier = threading.Barrier(TABS)
    opened, errors = [], []

    def open_tab():
        try:
            barrier.wait()
            opened.append(attempt_start_or_resume(user=user, quiz=quiz).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_tab) for _ in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Attempt.objects.filter(user=user, quiz=quiz).count() == 1
    assert len(set(opened)) == 1
