"""The course's structure is kept in each process's memory between content changes
(training.content_cache): what an editor publishes is seen at once, here and in another
process."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from quizzes.models import Question
from training.models import ContentVersion, SectionPage, SourceDocument

ROOT = Path(__file__).resolve().parents[2]


def _slide_html(client, section, number=1) -> str:
    response = client.get(f"{section.url}?slide={number}")
    assert response.status_code == 200
    return response.content.decode()


def _publish_new_first_slide(section: SectionPage, heading: str) -> None:
    section = SectionPage.objects.get(pk=section.pk)
    body = section.body.raw_data
    body.insert(
        0,
        {
            "type": "bullets",
            "value": {
                "heading": heading,
                "bullets": ["A point"],
                "source": {"document": "002_dd222be6dbbd2414.txt", "passage": "Title slide"},
            },
        },
    )
    section.body = body
    section.save_revision().publish()


def test_a_published_slide_is_shown_at_once_though_the_structure_is_kept(learner_client, sections):
    section = sections[0]
    before = _slide_html(learner_client, section)
    assert f"of {section.slide_count}" in before

    _publish_new_first_slide(section, "A slide the editor just published")

    after = _slide_html(learner_client, section)
    assert "A slide the editor just published" in after
    assert f"Slide 1 of {section.slide_count + 1}" in after


def test_a_section_published_or_unpublished_changes_the_kept_outline(learner_client, sections):
    html = learner_client.get("/").content.decode()
    assert sections[-1].title.replace("'", "&#x27;") in html

    SectionPage.objects.get(pk=sections[-1].pk).unpublish()
    html = learner_client.get("/").content.decode()
    assert sections[-1].title.replace("'", "&#x27;") not in html
    assert learner_client.get(sections[-1].url).status_code == 404

    SectionPage.objects.get(pk=sections[-1].pk).save_revision().publish()
    assert sections[-1].title.replace("'", "&#x27;") in learner_client.get("/").content.decode()


def test_an_unpublished_sections_quiz_is_gone_at_once_and_back_when_republished(
    learner_client, learner, sections
):
    from tests.helpers import read_all_slides

    read_all_slides(learner, sections[0])
    quiz_url = f"/quiz/section/{sections[0].pk}/"
    assert learner_client.get(quiz_url).status_code == 200  # the section is now kept in memory

    SectionPage.objects.get(pk=sections[0].pk).unpublish()
    assert learner_client.get(quiz_url).status_code == 404

    SectionPage.objects.get(pk=sections[0].pk).save_revision().publish()
    assert learner_client.get(quiz_url).status_code == 200


def test_a_quiz_losing_its_questions_changes_the_kept_outline(learner_client, sections):
    first = sections[0]
    outline_before = learner_client.get("/").context["outline"]
    assert outline_before[0].has_quiz

    for question in Question.objects.filter(quiz__section=first):
        question.is_active = False
        question.save()

    outline_after = learner_client.get("/").context["outline"]
    assert not outline_after[0].has_quiz


def test_a_renamed_source_document_is_shown_at_once(learner_client, sections):
    _slide_html(learner_client, sections[0])
    document = SourceDocument.objects.get(filename="002_dd222be6dbbd2414.txt")
    document.title = "A title changed a moment ago"
    document.save()
    assert "A title changed a moment ago" in _slide_html(learner_client, sections[0])


def test_a_view_restriction_added_to_the_course_applies_at_once(learner_client, course, sections):
    assert learner_client.get(f"{sections[0].url}?slide=1").status_code == 200
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="closed-for-now"
    )
    response = learner_client.get(f"{sections[0].url}?slide=1")
    assert response.status_code == 200
    assert "closed-for-now" not in response.content.decode()
    assert 'name="password"' in response.content.decode()
    restriction.delete()
    assert 'name="password"' not in _slide_html(learner_client, sections[0])


def test_every_content_change_gives_the_version_a_new_value_never_used_before(sections):
    seen = {ContentVersion.objects.get().value}
    for _ in range(3):
        SectionPage.objects.get(pk=sections[0].pk).save_revision().publish()
        value = ContentVersion.objects.get().value
        assert value not in seen
        seen.add(value)


def test_the_content_version_is_read_once_per_request_and_the_structure_not_at_all(
    learner_client, sections
):
    _slide_html(learner_client, sections[0], 1)
    with CaptureQueriesContext(connection) as queries:
        _slide_html(learner_client, sections[0], 2)
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("training_contentversion" in s for s in sql) == 1
    assert not any("wagtailcore_page" in s for s in sql)
    assert not any("wagtailcore_site" in s for s in sql)
    assert not any("training_sourcedocument" in s for s in sql)


# --- another process ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def another_process(transactional_db):
    """The site served by a second process (gunicorn, as in production) on the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("another process shares the test database only on PostgreSQL (.ci/run)")
    port = _free_port()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "eupsite.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "eupsite.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/health/", timeout=5)
                break
            except requests.RequestException:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_section_published_here_is_seen_at_once_by_a_learner_served_by_another_process(
    another_process, learner
):
    from django.core.management import call_command

    from tests.helpers import restore_migration_data

    restore_migration_data()
    call_command("load_course", verbosity=0)
    section = SectionPage.objects.live().order_by("path").first()
    client = Client()
    client.force_login(learner)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    url = f"{another_process}{section.url}?slide=1"

    for _ in range(2):  # the second answer comes from what that process keeps
        response = requests.get(url, cookies=cookies, allow_redirects=False, timeout=10)
        assert response.status_code == 200
        assert f"Slide 1 of {section.slide_count}" in response.text

    _publish_new_first_slide(section, "Published through another process")

    response = requests.get(url, cookies=cookies, allow_redirects=False, timeout=10)
    assert "Published through another process" in response.text
    assert f"Slide 1 of {section.slide_count + 1}" in response.text
