import re

import pytest

from tests.helpers import pass_section, read_all_slides
from training.blocks import SlideStreamBlock
from training.models import SectionPage, SectionProgress
from training.services import progress_record_slide_view


def test_every_section_renders_for_a_logged_in_learner(learner_client, learner, sections):
    for position, section in enumerate(sections, start=1):
        if position > 1:
            pass_section(learner, sections[position - 2])
        response = learner_client.get(section.url, follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        assert section.title.replace("'", "&#x27;") in html
        assert f"Slide 1 of {section.slide_count}" in html
        assert f"Section {position} of {len(sections)}" in html
        assert re.search(r"Sources?: <a href=\"/policies/", html)


@pytest.mark.parametrize("path", ["/", "/introduction/", "/introduction/?slide=2"])
def test_an_anonymous_visitor_is_sent_to_login(client, course, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_section_without_a_slide_number_starts_at_the_first_slide(learner_client, sections):
    response = learner_client.get(sections[0].url)
    assert response.status_code == 302
    assert response["Location"] == f"{sections[0].url}?slide=1"


def test_next_and_previous_walk_the_slides(learner_client, sections):
    section = sections[0]
    html = learner_client.get(f"{section.url}?slide=1").content.decode()
    assert 'href="?slide=2"' in html
    assert 'rel="prev"' not in html
    html = learner_client.get(f"{section.url}?slide=2").content.decode()
    assert 'href="?slide=1"' in html and 'href="?slide=3"' in html
    assert "Slide 2 of" in html


def test_a_learner_cannot_skip_ahead_of_the_slides_they_have_seen(learner_client, sections):
    section = sections[0]
    learner_client.get(f"{section.url}?slide=1")
    response = learner_client.get(f"{section.url}?slide={section.slide_count}")
    assert response["Location"] == f"{section.url}?slide=2"


def test_going_back_is_always_allowed_and_nonsense_numbers_are_clamped(learner_client, sections):
    section = sections[0]
    for n in range(1, 4):
        learner_client.get(f"{section.url}?slide={n}")
    assert learner_client.get(f"{section.url}?slide=1").status_code == 200
    assert learner_client.get(f"{section.url}?slide=-4")["Location"].endswith("?slide=1")
    assert learner_client.get(f"{section.url}?slide=abc")["Location"].endswith("?slide=1")


def test_the_learner_resumes_at_the_last_slide_seen(learner_client, learner, sections):
    pass_section(learner, sections[0])
    section = sections[1]
    for n in range(1, 4):
        learner_client.get(f"{section.url}?slide={n}")
    learner_client.get(f"{section.url}?slide=2")
    learner_client.get("/")  # leave for the course page
    response = learner_client.get(section.url)
    assert response["Location"] == f"{section.url}?slide=2"
    progress = SectionProgress.objects.get(user=learner, section=section)
    assert (progress.last_slide, progress.furthest_slide) == (2, 3)


def test_the_last_slide_leads_to_the_quiz_then_to_the_next_section(
    learner_client, learner, sections
):
    section = sections[0]
    read_all_slides(learner, section)
    html = learner_client.get(f"{section.url}?slide={section.slide_count}").content.decode()
    assert f'href="/quiz/section/{section.pk}/"' in html
    assert sections[1].url not in html.split("player__nav")[1].split("</nav>")[0]

    pass_section(learner, section)
    html = learner_client.get(f"{section.url}?slide={section.slide_count}").content.decode()
    assert f'href="{sections[1].url}"' in html
    assert f"Next section: {sections[1].title}" in html.replace("&#x27;", "'")


def test_the_next_section_stays_closed_until_the_quiz_before_it_is_passed(
    learner_client, learner, sections
):
    read_all_slides(learner, sections[0])
    response = learner_client.get(sections[1].url, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b"Pass the quiz of the section before this one first." in response.content
    pass_section(learner, sections[0])
    assert learner_client.get(sections[1].url)["Location"].endswith("?slide=1")


def test_the_course_page_shows_each_sections_state(learner_client, learner, sections):
    pass_section(learner, sections[0])
    progress_record_slide_view(user=learner, section=sections[1], number=2)
    html = learner_client.get("/").content.decode()
    assert "Passed (100 %)" in html
    assert f"In progress: slide 2 of {sections[1].slide_count}" in html
    assert html.count("Locked until the previous section") == len(sections) - 2


def test_progress_is_kept_per_learner(learner_client, learner, sections, django_user_model):
    other = django_user_model.objects.create_user("other@school.example", password="x")
    progress_record_slide_view(user=other, section=sections[0], number=3)
    response = learner_client.get(sections[0].url)
    assert response["Location"].endswith("?slide=1")


def _section_with_slides(course, slug, count):
    slides = [
        {
            "type": "bullets",
            "value": {
                "heading": f"Slide {i}",
                "bullets": [f"Point {i}"],
                "source": {"document": "002_dd222be6dbbd2414.txt", "passage": "Title slide"},
            },
        }
        for i in range(count)
    ]
    page = course.add_child(instance=SectionPage(title=slug, slug=slug, body=slides))
    page.save_revision().publish()
    # First in the course, so it is open without passing another section.
    page.move(course, pos="first-child")
    return SectionPage.objects.get(pk=page.pk)


@pytest.mark.parametrize("slide_count", [3, 60])
def test_rendering_a_slide_takes_the_same_few_queries_however_many_slides(
    learner_client, learner, course, django_assert_max_num_queries, slide_count
):
    page = _section_with_slides(course, f"big-{slide_count}", slide_count)
    progress_record_slide_view(user=learner, section=page, number=slide_count)
    # The first request after a content change reads the course's structure; later ones find
    # it in memory (training.content_cache).
    learner_client.get(f"{page.url}?slide={slide_count}")
    # Then at most 10 whatever the number of slides: the session and the user, the content
    # version, the learner's assignment, reading and quiz state, and the three writes that
    # record the view.
    with django_assert_max_num_queries(10):
        response = learner_client.get(f"{page.url}?slide={slide_count}")
    assert response.status_code == 200


@pytest.mark.parametrize("section_count", [7, 30])
def test_an_assigned_learner_s_slide_page_and_course_page_take_ten_queries_at_most(
    client, learner, assigned_learner, course, django_assert_max_num_queries, section_count
):
    for n in range(section_count - len(course.get_children())):
        _section_with_slides(course, f"more-{n}", 3)
    client.force_login(learner)
    first = SectionPage.objects.child_of(course).live().order_by("path").first()
    client.get(f"{first.url}?slide=1")
    with django_assert_max_num_queries(10):
        response = client.get(f"{first.url}?slide=2")
    assert response.status_code == 200
    # The course page reads the learner's assignments of every cycle and course once, their
    # reading and quiz state, test-out attempts and certificates: 8 today, whatever the number
    # of sections.
    with django_assert_max_num_queries(10):
        response = client.get(course.url)
    assert response.status_code == 200
    assert len(response.context["outline"]) == section_count


def test_the_slide_block_types_cover_the_design():
    assert set(SlideStreamBlock.base_blocks) == {
        "rule",
        "example",
        "key_points",
        "bullets",
        "callout",
        "quote",
        "image",
    }
