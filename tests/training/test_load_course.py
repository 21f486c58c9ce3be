import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from training.content import ContentError, read_course
from training.models import CoursePage, SectionPage, SourceDocument
from training.services import course_export, course_load


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A scratch copy of content/ that a test may break or edit."""
    target = tmp_path / "content"
    shutil.copytree(settings.COURSE_CONTENT_DIR, target)
    return target


def db_snapshot():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        SourceDocument.objects.count(),
        sorted(SectionPage.objects.values_list("slug", "live", "latest_revision_id")),
    )


def test_load_course_builds_one_page_per_section_file_in_order(course, course_spec):
    pages = SectionPage.objects.child_of(course).live().order_by("path")
    assert [p.slug for p in pages] == [s.slug for s in course_spec.sections]
    assert len(pages) >= 7
    assert all(
        p.slide_count == len(s.slides) for p, s in zip(pages, course_spec.sections, strict=True)
    )


def test_the_course_is_the_home_page_of_the_site(course, client):
    assert course.url == "/"
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()


def test_every_slide_names_a_known_source_document_and_passage(course_spec):
    documents = {s["file"] for s in course_spec.sources}
    for section in course_spec.sections:
        for slide in section.slides:
            sources = slide["source"] if isinstance(slide["source"], list) else [slide["source"]]
            for source in sources:
                assert source["document"] in documents
                assert source["passage"]


def test_load_course_twice_changes_nothing(db):
    call_command("load_course", verbosity=0)
    before = db_snapshot()
    report = course_load(spec=read_course(settings.COURSE_CONTENT_DIR))
    assert not report.changed
    assert db_snapshot() == before


def test_load_course_command_says_when_nothing_changed(db, capsys):
    call_command("load_course")
    call_command("load_course")
    assert "nothing changed" in capsys.readouterr().out


def test_a_changed_file_becomes_a_new_revision_not_a_new_page(db, content_copy):
    course_load(spec=read_course(content_copy))
    section_file = sorted((content_copy / "sections").glob("*.yaml"))[0]
    page_count = Page.objects.count()
    text = section_file.read_text(encoding="utf-8")
    section_file.write_text(text.replace("title:", "title: Revised", 1), encoding="utf-8")
    page = SectionPage.objects.order_by("path").first()
    revisions_before = page.revisions.count()

    report = course_load(spec=read_course(content_copy))

    page.refresh_from_db()
    assert report.updated == [page.slug]
    assert Page.objects.count() == page_count
    assert page.revisions.count() == revisions_before + 1
    assert page.title.startswith("Revised")


def test_a_section_removed_from_content_is_unpublished_not_deleted(db, content_copy):
    course_load(spec=read_course(content_copy))
    last = sorted((content_copy / "sections").glob("*.yaml"))[-1]
    last.unlink()
    report = course_load(spec=read_course(content_copy))
    slug = last.stem.split("-", 1)[1]
    assert report.retired == [slug]
    assert SectionPage.objects.filter(slug=slug, live=False).exists()


def break_yaml_syntax(text):
    return text.replace("slides:", "slides: [unclosed", 1)


def add_unknown_key(text):
    return text.replace("slides:", "colour: blue\nslides:", 1)


def unknown_document(text):
    return text.replace("document: 00", "document: 99", 1)


def drop_heading_key(text):
    return text.replace("heading:", "headline:", 1)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (break_yaml_syntax, "not valid YAML"),
        (add_unknown_key, 'unknown key "colour"'),
        (unknown_document, "unknown source document"),
        (drop_heading_key, 'unknown key "headline"'),
    ],
)
def test_a_broken_file_is_refused_with_file_line_and_reason_and_nothing_loads(
    db, content_copy, breakage, expected
):
    call_command("load_course", verbosity=0)
    before = db_snapshot()
    # Change the first file and break the last one: neither change may reach the database.
    files = sorted((content_copy / "sections").glob("*.yaml"))
    files[0].write_text(files[0].read_text().replace("title:", "title: Changed", 1))
    files[-1].write_text(breakage(files[-1].read_text(encoding="utf-8")), encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        call_command("load_course", content_dir=content_copy, verbosity=0)

    message = str(excinfo.value)
    assert files[-1].name in message
    assert ", line " in message
    assert expected in message
    assert "Nothing was loaded" in message
    assert db_snapshot() == before


def test_the_error_names_the_key_path_and_its_line(tmp_path, content_copy):
    path = sorted((content_copy / "sections").glob("*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "passage:" in line)
    lines[index] = lines[index].replace("passage:", "pasage:")
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContentError) as excinfo:
        read_course(content_copy)
    assert excinfo.value.line == index + 1
    assert excinfo.value.key.startswith("slides[")
    assert excinfo.value.key.endswith(".source.pasage")


def test_an_error_half_way_through_loading_rolls_everything_back(db, content_copy, monkeypatch):
    from training import services

    call_command("load_course", verbosity=0)
    before = db_snapshot()
    files = sorted((content_copy / "sections").glob("*.yaml"))
    for f in files:
        f.write_text(f.read_text().replace("title:", "title: Changed", 1))
    spec = read_course(content_copy)
    calls = []
    real = services._page_fields

    def fail_on_third(section_spec):
        calls.append(section_spec.slug)
        if len(calls) == 3:
            raise ContentError(section_spec.path, "simulated failure")
        return real(section_spec)

    monkeypatch.setattr(services, "_page_fields", fail_on_third)
    with pytest.raises(ContentError):
        course_load(spec=spec)
    assert db_snapshot() == before


def test_a_misnamed_section_file_is_refused(content_copy):
    (content_copy / "sections" / "Extra Section.yaml").write_text("title: x\n")
    with pytest.raises(ContentError, match=r"NN-slug\.yaml"):
        read_course(content_copy)


def test_export_then_load_round_trips_to_the_same_course(db, tmp_path, course_spec):
    course_load(spec=course_spec)
    exported_dir = tmp_path / "exported"
    call_command("export_course", output=exported_dir, verbosity=0)

    exported = read_course(exported_dir)
    assert exported.as_dict() == course_spec.as_dict()
    before = db_snapshot()
    assert not course_load(spec=exported).changed
    assert db_snapshot() == before


def test_the_committed_content_is_in_the_exported_form(db, tmp_path, course_spec):
    """So an editor's export after admin edits shows only their changes in `git diff`."""
    course_load(spec=course_spec)
    exported_dir = tmp_path / "exported"
    call_command("export_course", output=exported_dir, verbosity=0)
    for exported in sorted(exported_dir.rglob("*.yaml")):
        committed = settings.COURSE_CONTENT_DIR / exported.relative_to(exported_dir)
        assert committed.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8"), (
            committed
        )


def test_admin_edits_are_exported(course, tmp_path):
    page = SectionPage.objects.child_of(course).order_by("path").first()
    page.title = "Edited in the admin"
    page.save_revision().publish()
    spec = course_export()
    assert spec.sections[0].title == "Edited in the admin"


def test_json_export_lists_every_section_and_slide(course, course_spec, tmp_path):
    target = tmp_path / "course.json"
    call_command("export_course", format="json", output=target, verbosity=0)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["slug"] == course_spec.slug
    assert [s["slug"] for s in data["sections"]] == [s.slug for s in course_spec.sections]
    first_slide = data["sections"][0]["slides"][0]
    assert first_slide == course_spec.sections[0].slides[0]


def test_export_without_a_course_says_how_to_make_one(db):
    assert not CoursePage.objects.exists()
    with pytest.raises(CommandError, match="load_course"):
        call_command("export_course", format="json")


def test_an_image_slide_loads_its_file_once_and_exports_it_by_name(db, content_copy):
    from PIL import Image as PILImage

    images = content_copy / "images"
    images.mkdir()
    PILImage.new("RGB", (40, 20), "navy").save(images / "diagram.png")
    first = sorted((content_copy / "sections").glob("*.yaml"))[0]
    text = first.read_text(encoding="utf-8")
    image_slide = (
        "slides:\n- type: image\n  heading: A diagram\n  image: diagram.png\n"
        "  alt: A navy rectangle\n  source:\n    document: 002_dd222be6dbbd2414.txt\n"
        "    passage: Title slide\n"
    )
    first.write_text(text.replace("slides:\n", image_slide, 1), encoding="utf-8")

    course_load(spec=read_course(content_copy))
    assert not course_load(spec=read_course(content_copy)).changed

    page = SectionPage.objects.order_by("path").first()
    slide = page.body[0]
    assert slide.block_type == "image"
    assert slide.value["image"].title == "diagram.png"
    assert course_export().sections[0].slides[0]["image"] == "diagram.png"


def test_two_section_files_with_the_same_slug_are_refused(content_copy):
    first = sorted((content_copy / "sections").glob("*.yaml"))[0]
    slug = first.stem.split("-", 1)[1]
    (content_copy / "sections" / f"99-{slug}.yaml").write_text(first.read_text())
    with pytest.raises(ContentError, match=f'the slug "{slug}" is used by {first.name} too'):
        read_course(content_copy)
