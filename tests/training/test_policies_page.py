"""The full policies, one click from every slide and from the acknowledgement."""

import re
from html import unescape

from certificates.models import Acknowledgement
from certificates.services import acknowledgement_text
from tests.helpers import pass_section
from training.models import SourceDocument
from training.policies import policy_blocks


def test_the_policies_page_renders_each_document_in_full(client, course, course_spec):
    index = client.get("/policies/").content.decode()
    for source in course_spec.sources:
        document = SourceDocument.objects.get(filename=source["file"])
        assert f'href="/policies/{document.slug}/"' in index
        html = unescape(client.get(f"/policies/{document.slug}/").content.decode())
        assert f'<h1 lang="en">{document.title}</h1>' in html
        assert source["origin"] in html
        for block in policy_blocks(course_spec.policy_texts[source["file"]]):
            assert block.text in html, (source["file"], block.text[:60])


def test_page_furniture_is_not_shown_as_policy(client, course):
    html = client.get("/policies/waterbury-board-of-education-district-email-page/")
    text = html.content.decode()
    assert "Electronic mail is not private communication." in text
    for furniture in ("Kindergarten Registration", "Close alert", "redirected to the login page"):
        assert furniture not in text


def test_an_unknown_policy_is_a_404(client, course):
    assert client.get("/policies/no-such-policy/").status_code == 404


def test_every_slides_source_links_to_the_passage(learner_client, learner, sections):
    for position, section in enumerate(sections):
        if position:
            pass_section(learner, sections[position - 1])
        html = learner_client.get(f"{section.url}?slide=1", follow=True).content.decode()
        links = re.findall(r'<p class="slide__source">Sources?: (.*?)</p>', html, re.S)
        assert links, section.slug
        hrefs = re.findall(r'href="(/policies/[^"]+)"', links[0])
        assert hrefs and all("#:~:text=" in href for href in hrefs), hrefs


def test_the_acknowledgement_names_the_board_and_links_the_policies(
    learner_client, passed_everything
):
    text = acknowledgement_text()
    assert text.number == 2 and text.party == "Waterbury Board of Education"
    html = unescape(learner_client.get("/certificates/complete/").content.decode())
    assert (
        "the Waterbury Board of Education has provided me with the notice required under "
        "Public Act 98-142" in html
    )
    assert "Board Of Education Manager of Information Technology or Personnel Department" in html
    assert "the City has" not in html and "the City's" not in html and "574" not in html
    for document in SourceDocument.objects.filter(filename__in=text.policies):
        assert f'<a href="/policies/{document.slug}/" lang="en">{document.title}</a>' in html
    assert len(text.policies) == 5


def test_signatures_made_before_versions_are_tied_to_the_first_version(
    learner_client, passed_everything, course
):
    from django.core.management import call_command

    first, current = course.policy_versions.order_by("number")
    # The City form's text, as signed until version 2: its hash is what those records hold.
    assert first.number == 1 and "the City has provided me" in first.paragraphs[0]
    assert first.text_sha256 == "ead3a88510040397712ae1cc124f6105cbf8f5bf06ea36d37d6d9da87fdee38d"
    learner_client.post(
        "/certificates/complete/", {"typed_name": "María O'Neil-Núñez", "confirm": "yes"}
    )
    signed = Acknowledgement.objects.get()
    assert signed.policy_version == current and signed.text_sha256 == current.text_sha256
    # As a signature made before versions were kept looks: the City form's hash, no version.
    Acknowledgement.objects.update(policy_version=None, text_sha256=first.text_sha256)
    call_command("load_course", verbosity=0)
    assert Acknowledgement.objects.get().policy_version == first
