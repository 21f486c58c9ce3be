"""The acknowledgement's versions: kept whole in the database, each signature tied to the
exact version signed, shown wherever the signature is."""

import json
import shutil
from datetime import date

import pytest
from django.core.management import call_command

from certificates.models import Acknowledgement, Certificate
from staff.models import Location, Staff
from tests.helpers import content_with_new_version
from training.content import ContentError, read_course
from training.services import course_load

from .conftest import sign


@pytest.fixture
def signed(learner_client, passed_everything):
    sign(learner_client)
    return Acknowledgement.objects.select_related("policy_version").get()


def test_each_version_is_loaded_whole_with_its_date_summary_and_kind(course):
    first, second = course.policy_versions.order_by("number")
    assert (first.number, str(first.effective_on)) == (1, "2026-11-23")
    assert second.party == "Waterbury Board of Education" and second.material
    assert "replaces the City of Waterbury form" in second.summary_of_changes
    assert second.text.startswith("Acknowledgement of the Electronic Use Policies\n\n")


def test_a_signed_version_cannot_be_rewritten(signed, tmp_path, settings):
    content = tmp_path / "content"
    shutil.copytree(settings.COURSE_CONTENT_DIR, content)
    path = content / "acknowledgement" / f"{signed.policy_version.number}.yaml"
    path.write_text(path.read_text().replace("I hereby acknowledge", "I acknowledge"))
    with pytest.raises(ContentError, match="1 people signed version 2: its text cannot change"):
        course_load(spec=read_course(content))
    signed.policy_version.refresh_from_db()
    assert "I hereby acknowledge" in signed.policy_version.paragraphs[1]


def test_the_person_record_names_the_version_and_shows_the_text_signed(
    admin_client, signed, passed_everything
):
    record = admin_client.get(f"/admin/completion/person/{passed_everything.pk}/")
    html = record.content.decode()
    assert "version 2 (in effect from Nov 26, 2026)" in html
    page = admin_client.get(
        f"/admin/completion/person/{passed_everything.pk}/acknowledgements/{signed.pk}/"
    ).content.decode()
    for paragraph in signed.policy_version.paragraphs:
        assert paragraph.replace("'", "&#x27;") in page
    assert signed.text_sha256 in page


def test_another_persons_acknowledgement_is_a_404(admin_client, signed):
    other = Staff.objects.create(
        employee_id="E-9",
        first_name="Ann",
        last_name="Other",
        location=Location.objects.create(name="Other School"),
        hire_date=date(2020, 1, 6),
    )
    url = f"/admin/completion/person/{other.pk}/acknowledgements/{signed.pk}/"
    assert admin_client.get(url).status_code == 404


def test_the_verification_page_and_the_records_name_the_version(client, signed, tmp_path):
    certificate = Certificate.objects.get()
    html = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "Acknowledgement of the Electronic Use Policies, version 2" in html
    out = tmp_path / "records"
    call_command("export_records", cycle=certificate.cycle_name, output=out, verbosity=0)
    row = json.loads((out / "acknowledgements.json").read_text())[0]
    assert (row["policy_version"], row["policy_version_effective_on"]) == (2, "2026-11-26")


def test_a_version_naming_an_unknown_section_is_refused(course, tmp_path):
    content = content_with_new_version(tmp_path, sections_changed=["e-mail"])
    with pytest.raises(ContentError, match='sections_changed names "e-mail"'):
        course_load(spec=read_course(content))
    assert not course.policy_versions.filter(number=3).exists()


def test_a_site_with_signatures_from_before_versions_keeps_signing_what_was_signed(
    passed_everything, course
):
    """Upgrading a district whose staff signed the City form: version 1 is in force at once
    (its signatures are tied to it); the district's version 2 waits to be published."""
    from django.utils import timezone

    first = course.policy_versions.get(number=1)
    legacy = Acknowledgement.objects.create(
        assignment=passed_everything.assignments.get(),
        staff=passed_everything,
        typed_name="María O'Neil-Núñez",
        signed_at=timezone.now(),
        text_sha256=first.text_sha256,
        course_revision="electronic-use-policies@legacy",
    )
    course.policy_versions.all().delete()  # as before the upgrade: no versions in the database

    call_command("load_course", verbosity=0)

    first, second = course.policy_versions.order_by("number")
    assert first.published_at is not None and second.published_at is None
    legacy.refresh_from_db()
    assert legacy.policy_version == first
    from certificates.services import acknowledgement_text

    assert acknowledgement_text(course=course) == first
