"""What the district's training coordinator (the Editors group) meets in the page editor: the
sections in course order, and each slide's source document offered by its title."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.html import escape

from staff.groups import EDITORS
from tests.conftest import make_user
from tests.helpers import login_verified
from training.blocks import SourceBlock
from training.models import SectionPage, SourceDocument
from training.services import course_export

DECK = "002_dd222be6dbbd2414.txt"
DECK_TITLE = "Waterbury Public Schools Electronic Use Policies"


@pytest.fixture
def editor_client(client, db):
    editor = make_user("coordinator@district.example")
    editor.groups.add(Group.objects.get(name=EDITORS))
    login_verified(client, editor)
    return client


def test_the_page_explorer_lists_sections_in_course_order_not_by_last_edit(
    editor_client, course, sections
):
    # The last section was edited most recently: a listing by date would put it first.
    sections[-1].save_revision().publish()
    html = editor_client.get(f"/admin/pages/{course.pk}/").content.decode()
    # Rows in the order learners take the sections, which editors may change by dragging.
    positions = [
        html.index(f'data-w-orderable-item-label="{escape(section.title)}"') for section in sections
    ]
    assert positions == sorted(positions)


def test_a_slide_source_document_is_offered_by_title_and_kept_as_the_file_name(course):
    document = SourceBlock().child_blocks["document"]
    offered = dict(document.field.choices)
    assert offered[DECK] == DECK_TITLE
    assert set(offered) - {""} == set(SourceDocument.objects.values_list("filename", flat=True))
    assert document.clean(DECK) == DECK
    with pytest.raises(ValidationError, match="Select a valid choice"):
        document.clean("009_not_a_source.txt")


def test_a_source_document_added_later_is_offered_without_a_restart(course):
    SourceDocument.objects.create(filename="005_new.txt", title="Board Policy 5131")
    assert ("005_new.txt", "Board Policy 5131") in SourceBlock().child_blocks[
        "document"
    ].field.choices


def test_the_page_editor_offers_the_documents_by_title(editor_client, sections):
    html = editor_client.get(f"/admin/pages/{sections[0].pk}/edit/").content.decode()
    assert DECK_TITLE in html
    assert "File name of the seed document" not in html


def test_an_edited_slide_exports_its_source_by_file_name(course, sections):
    section = sections[0]
    section.body[0].value["heading"] = "What the Electronic Use Policies are"
    section.save_revision().publish()
    exported = course_export().sections[0].slides[0]
    assert exported["heading"] == "What the Electronic Use Policies are"
    assert exported["source"]["document"] == DECK
    assert SectionPage.objects.get(pk=section.pk).body[0].value["source"]["document"] == DECK
