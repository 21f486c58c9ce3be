"""The course in Spanish (issue M): catalogues in content/translations/ loaded as versions,
read by learners only once a district administrator has reviewed them, the English governing,
and one course whatever the language (progress, attempts and acknowledgements shared)."""

import io
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from certificates.models import Acknowledgement
from quizzes.models import Attempt, Quiz
from tests.certificates.conftest import sign
from tests.conftest import make_user
from tests.helpers import login_verified, read_all_slides
from training.content import read_course
from training.models import CourseTranslation
from training.selectors import course_messages
from training.services import course_load, course_translation_mark_reviewed
from training.translation_files import course_catalogue_files, english_messages

pytestmark = pytest.mark.django_db

SPANISH = {"accept-language": "es-MX,es;q=0.9"}
CATALOGUES = Path(settings.COURSE_CONTENT_DIR) / "translations" / "es"


@pytest.fixture
def translation(course):
    return CourseTranslation.objects.get(course=course, language="es")


@pytest.fixture
def reviewed(translation, admin_user):
    assert course_translation_mark_reviewed(translation=translation, user=admin_user)
    return translation


def spanish_of(text: str) -> str:
    return course_messages(language="es")[text]


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the shipped catalogues ----------------------------------------------------------------

# Words that say a text is an English sentence, not a name (a school, a partner, a statute).
ENGLISH_WORDS = {"the", "and", "to", "is", "are", "you", "your", "with", "for", "this", "that"}


def test_every_text_of_the_course_has_a_spanish_translation_none_fuzzy_or_copied():
    spec = read_course(settings.COURSE_CONTENT_DIR)
    english = english_messages(spec)
    translated = spec.translations["es"]
    assert english - set(translated) == set()
    copied = [
        text
        for text, spanish in translated.items()
        if spanish == text and ENGLISH_WORDS & set(re.findall(r"[a-z]+", text))
    ]
    assert copied == []
    for path in CATALOGUES.rglob("*.po"):
        catalogue = polib.pofile(str(path))
        assert catalogue.fuzzy_entries() == [], path
        assert catalogue.untranslated_entries() == [], path


def test_the_catalogues_need_nothing_settled_no_stale_text_and_one_translation_per_text():
    spec = read_course(settings.COURSE_CONTENT_DIR)
    assert [str(note) for note in spec.translation_notes] == []


def test_each_translation_keeps_the_numbers_and_quotation_marks_of_its_english():
    spec = read_course(settings.COURSE_CONTENT_DIR)
    for english, spanish in spec.translations["es"].items():
        # As a set: a gloss may repeat one ("la Policy 4012 (Política 4012)").
        assert set(re.findall(r"\d+", english)) == set(re.findall(r"\d+", spanish)), english
        assert english.count('"') == spanish.count('"'), english


def test_export_course_writes_the_spanish_catalogues_back_byte_for_byte(course, tmp_path):
    call_command("export_course", output=tmp_path, verbosity=0)
    exported = tmp_path / "translations" / "es"
    names = sorted(p.relative_to(CATALOGUES) for p in CATALOGUES.rglob("*.po"))
    assert names == sorted(p.relative_to(exported) for p in exported.rglob("*.po"))
    for name in names:
        assert (exported / name).read_text() == (CATALOGUES / name).read_text(), name


# --- loading versions ------------------------------------------------------------------------


def test_loading_the_course_makes_an_unreviewed_translation_version_once(course, course_spec):
    translation = CourseTranslation.objects.get(course=course)
    assert (translation.number, translation.reviewed_at) == (1, None)
    assert translation.english_total == len(english_messages(course_spec))
    course_load(spec=read_course(settings.COURSE_CONTENT_DIR))
    assert CourseTranslation.objects.count() == 1


def copy_of_content(tmp_path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(settings.COURSE_CONTENT_DIR, folder)
    return folder


def test_a_changed_catalogue_is_a_new_version_learners_see_only_once_reviewed(
    reviewed, tmp_path, admin_user
):
    folder = copy_of_content(tmp_path)
    path = folder / "translations" / "es" / "course.po"
    catalogue = polib.pofile(str(path))
    catalogue[0].msgstr = "Políticas de Uso Electrónico del distrito"
    catalogue.save()
    call_command("load_course", content_dir=folder, verbosity=0)
    newest = CourseTranslation.objects.get(number=2)
    assert newest.reviewed_at is None
    page = html(Client().get("/policies/", headers=SPANISH))  # public: no sign-in
    assert "Electronic Use Policies" in page  # a name, never translated
    assert (
        course_messages(language="es")["Electronic Use Policies"] == "Políticas de Uso Electrónico"
    )
    course_translation_mark_reviewed(translation=newest, user=admin_user)
    assert course_messages(language="es")["Electronic Use Policies"] == (
        "Políticas de Uso Electrónico del distrito"
    )


def test_an_edited_english_text_leaves_its_old_translation_unused_and_says_so(course, tmp_path):
    folder = copy_of_content(tmp_path)
    course_file = folder / "course.yaml"
    course_file.write_text(
        course_file.read_text().replace("How to use the district", "How to use your district", 1)
    )
    errors = io.StringIO()
    call_command("load_course", content_dir=folder, stdout=io.StringIO(), stderr=errors)
    err = errors.getvalue()
    assert "es/course.po, line" in err and "no longer in the course" in err
    assert "export_course" in err
    newest = CourseTranslation.objects.order_by("-number").first()
    assert not [text for text in newest.messages if text.startswith("How to use the district")]


def test_an_unreadable_catalogue_is_refused_with_its_file_and_nothing_loads(course, tmp_path):
    folder = copy_of_content(tmp_path)
    broken = folder / "translations" / "es" / "sections" / "03-email.po"
    broken.write_text('"a line that is not a message"\n')
    with pytest.raises(CommandError) as refused:
        call_command("load_course", content_dir=folder, verbosity=0)
    assert "03-email.po" in str(refused.value) and "Nothing was loaded" in str(refused.value)
    assert CourseTranslation.objects.count() == 1


# --- what learners read ----------------------------------------------------------------------


def test_before_review_a_spanish_learner_reads_the_english_marked_as_english(
    learner_client, sections, translation
):
    page = html(learner_client.get(f"{sections[0].url}?slide=1", headers=SPANISH))
    assert '<html lang="es">' in page
    assert f'<span lang="en">{sections[0].title}</span>' in page
    assert "hasta que el distrito haya revisado su traducción" in page


def test_once_reviewed_the_slides_are_in_spanish_with_the_policys_words_in_english(
    learner_client, sections, reviewed
):
    first = sections[0].body[0].value
    page = html(learner_client.get(f"{sections[0].url}?slide=1", headers=SPANISH))
    assert spanish_of(first["heading"]) in page
    assert spanish_of(first["text"]) in page
    assert f'<blockquote lang="en"><p>{first["quote"]}</p></blockquote>' in page.replace(
        "&#x27;", "'"
    )
    assert spanish_of(first["quote"]) in page
    assert "Rige el texto en inglés de las políticas" in page


def test_the_same_learner_in_english_reads_no_spanish(learner_client, sections, reviewed):
    first = sections[0].body[0].value
    page = html(learner_client.get(f"{sections[0].url}?slide=1", headers={"accept-language": "en"}))
    assert spanish_of(first["heading"]) not in page and first["heading"] in page
    assert "Rige el texto" not in page


def test_a_learner_who_switches_language_keeps_their_place(
    learner_client, learner, sections, reviewed
):
    learner_client.get(f"{sections[0].url}?slide=1")
    learner_client.get(f"{sections[0].url}?slide=2")
    learner_client.get(f"{sections[0].url}?slide=3")
    learner_client.post("/language/", {"language": "es", "next": "/"})
    resumed = learner_client.get(sections[0].url)
    assert resumed.status_code == 302 and resumed.url.endswith("?slide=3")
    page = html(learner_client.get(resumed.url))
    assert spanish_of(sections[0].body[2].value["heading"]) in page


def test_the_quiz_shows_spanish_questions_and_grades_the_same_choices(
    learner_client, learner, sections, reviewed
):
    read_all_slides(learner, sections[0])
    learner_client.post("/language/", {"language": "es", "next": "/"})
    page = html(learner_client.get(f"/quiz/section/{sections[0].pk}/"))
    attempt = Attempt.objects.get(quiz=Quiz.objects.get(section=sections[0]))
    for question in attempt.items.all():
        assert spanish_of(question.shown["prompt"]) in page.replace("&quot;", '"').replace(
            "&#x27;", "'"
        )
        for choice in question.shown["choices"]:
            if question.shown["type"] == "true_false":
                continue  # Verdadero / Falso: the interface's words, not the course's
            assert spanish_of(choice["text"]) in page.replace("&quot;", '"').replace("&#x27;", "'")
    # The record keeps the English the questions were asked from, and the language.
    assert attempt.language == "es"
    assert all(
        q.shown["prompt"] in english_messages(read_course(settings.COURSE_CONTENT_DIR))
        for q in attempt.items.all()
    )


def test_the_spanish_acknowledgement_shows_the_english_a_click_away_and_records_the_version(
    learner_client, passed_everything, reviewed
):
    learner_client.post("/language/", {"language": "es", "next": "/"})
    page = html(learner_client.get("/certificates/complete/"))
    assert '<details class="acknowledgement__english">' in page
    assert '<div lang="en">' in page
    assert f'name="translation" value="{reviewed.pk}"' in page
    response = learner_client.post(
        "/certificates/complete/",
        {"typed_name": "María O'Neil-Núñez", "confirm": "yes", "translation": str(reviewed.pk)},
    )
    assert response.status_code == 302
    acknowledgement = Acknowledgement.objects.get()
    assert (acknowledgement.language, acknowledgement.translation) == ("es", reviewed)
    # The records archive says so too.
    from reports.records import cycle_records

    (row,) = cycle_records(cycle=acknowledgement.assignment.cycle)["acknowledgements"]
    assert (row["language"], row["translation_version"]) == ("es", reviewed.number)


def test_a_signature_over_a_translation_replaced_while_reading_is_refused(
    learner_client, passed_everything, reviewed
):
    learner_client.post("/language/", {"language": "es", "next": "/"})
    response = sign(learner_client)  # no translation field: the page showed the English alone
    assert response.status_code == 400
    assert "cambió mientras la leía" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_the_full_policy_in_spanish_keeps_each_english_block_beside_it(client, course, reviewed):
    from training.models import SourceDocument

    document = SourceDocument.objects.get(filename="001_3d82039fd6e6b106.txt")
    page = html(client.get(f"/policies/{document.slug}/", headers=SPANISH))
    files = {f.name: f for f in course_catalogue_files(read_course(settings.COURSE_CONTENT_DIR))}
    for message in files["policies/001_3d82039fd6e6b106.po"].messages[:5]:
        assert spanish_of(message.msgid) in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert 'class="policy__original" lang="en"' in page
    assert "Rige el texto en inglés" in page


# --- the review, in the admin ------------------------------------------------------------------


def district_administrator():
    user = make_user("district@example.org")
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name="District administrators"))
    return user


def test_a_district_administrator_reads_the_version_beside_the_english_and_marks_it_reviewed(
    translation,
):
    client = login_verified(Client(), district_administrator())
    listing = html(client.get("/admin/translations/"))
    assert f"/admin/translations/{translation.pk}/review/" in listing
    review = html(client.get(f"/admin/translations/{translation.pk}/review/"))
    assert '<td lang="en">Electronic Use Policies</td>' in review
    assert '<td lang="es">Políticas de Uso Electrónico</td>' in review
    response = client.post(f"/admin/translations/{translation.pk}/review/")
    assert response.status_code == 302
    translation.refresh_from_db()
    assert translation.reviewed_at is not None and translation.reviewer_name
    assert course_messages(language="es")


def test_a_principal_and_an_editor_cannot_review_a_translation(translation):
    from django.contrib.auth.models import Group

    for group in ("Location administrators", "Editors"):
        user = make_user(f"{group[:4]}@example.org")
        user.groups.add(Group.objects.get(name=group))
        client = login_verified(Client(), user)
        # Wagtail's admin answers a refusal by sending the person back to the dashboard.
        assert client.get("/admin/translations/").status_code in (302, 403)
        assert client.post(f"/admin/translations/{translation.pk}/review/").status_code in (
            302,
            403,
        )
        assert "/admin/translations/" not in html(client.get("/admin/"))
    translation.refresh_from_db()
    assert translation.reviewed_at is None
