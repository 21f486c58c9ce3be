"""A new version of the acknowledgement: a material change is published with a preview and
asks those who signed before to re-read what changed and sign again; a minor one asks
nothing."""

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Acknowledgement, Certificate
from certificates.selectors import SUPERSEDED, VALID, certificate_state
from reports.selectors import dashboard, reminder_skip_reason, with_reminder_facts
from staff.models import Assignment
from staff.selectors import COMPLETED, REACKNOWLEDGE, assignment_status
from tests.helpers import content_with_new_version, login_verified, pass_section
from training.content import read_course
from training.models import PolicyVersion
from training.selectors import course_outline
from training.services import course_load

from .conftest import sign


def load_version_3(tmp_path, *, material: bool, sections_changed=("email",)):
    content = content_with_new_version(
        tmp_path,
        material=material,
        summary="Questions now go to the district's help desk too.",
        sections_changed=list(sections_changed),
    )
    course_load(spec=read_course(content))
    return PolicyVersion.objects.get(number=3)


@pytest.fixture
def signed_v2(learner_client, passed_everything):
    sign(learner_client)
    return Certificate.objects.get()


def test_a_material_version_waits_for_an_administrator_with_a_preview(
    settings, tmp_path, signed_v2, passed_everything, admin_client
):
    version = load_version_3(tmp_path, material=True)
    assert version.published_at is None
    assert services.acknowledgement_text().number == 2  # still signed until published
    page = admin_client.get(f"/admin/policy-versions/{version.pk}/publish/").content.decode()
    assert "Who must acknowledge again: 1" in page and "E-4411" in page
    assert "Sections to read and pass again: 1" in page and "<li>E-mail</li>" in page


def test_publishing_a_material_version_asks_prior_signers_to_reread_what_changed_and_sign(
    settings,
    tmp_path,
    signed_v2,
    passed_everything,
    learner,
    learner_client,
    admin_client,
    sections,
    course,
    django_user_model,
):
    version = load_version_3(tmp_path, material=True)
    response = admin_client.post(f"/admin/policy-versions/{version.pk}/publish/")
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment_status(assignment) == REACKNOWLEDGE
    home = learner_client.get(course.url).content.decode()
    assert "Re-acknowledgement needed" in home
    # A status of its own for administrators too, and a reason to be reminded.
    admin = django_user_model.objects.get(is_superuser=True)
    figures = dashboard(user=admin, cycle=assignment.cycle).overall
    assert (figures.reacknowledge, figures.completed) == (1, 0)
    facts = with_reminder_facts(Assignment.objects.all(), today=timezone.localdate()).get()
    assert reminder_skip_reason(facts, current_cycle=assignment.cycle) is None

    outline = course_outline(course=course, user=learner)
    changed = [e.section.slug for e in outline if not e.section_passed]
    assert changed == ["email"]  # the unchanged sections stay passed
    refused = sign(learner_client)
    assert refused.status_code == 400 and Acknowledgement.objects.count() == 1

    email = next(s for s in sections if s.slug == "email")
    pass_section(learner, email)
    assert sign(learner_client).status_code == 302
    first, second = Acknowledgement.objects.order_by("signed_at")
    assert (first.policy_version.number, second.policy_version.number) == (2, 3)
    assignment.refresh_from_db()
    assert assignment_status(assignment) == COMPLETED
    new = Certificate.objects.exclude(pk=signed_v2.pk).get()
    assert certificate_state(signed_v2) == SUPERSEDED and certificate_state(new) == VALID
    home = learner_client.get(course.url).content.decode()
    assert home.count("(superseded by the newer one)") == 1
    verify = learner_client.get(f"/certificates/verify/{signed_v2.code}/").content.decode()
    assert "Superseded" in verify and f'href="/certificates/verify/{new.code}/"' in verify


def test_a_minor_version_changes_nothing_for_those_who_signed(
    settings, tmp_path, signed_v2, passed_everything, learner, learner_client, course
):
    version = load_version_3(tmp_path, material=False)
    assert version.published_at is not None
    assert services.acknowledgement_text().number == 3  # new signers sign it
    assert assignment_status(Assignment.objects.get()) == COMPLETED
    assert all(e.section_passed for e in course_outline(course=course, user=learner))
    assert sign(learner_client).status_code == 302
    assert Certificate.objects.get() == signed_v2 and Acknowledgement.objects.count() == 1


def test_publishing_twice_is_refused_and_only_district_administrators_may(
    settings, tmp_path, signed_v2, client, admin_client, django_user_model
):
    version = load_version_3(tmp_path, material=True)
    hr = django_user_model.objects.create_user("someone@school.example", password="x")
    login_verified(client, hr)
    assert client.post(f"/admin/policy-versions/{version.pk}/publish/").status_code in (302, 403)
    version.refresh_from_db()
    assert version.published_at is None
    admin_client.post(f"/admin/policy-versions/{version.pk}/publish/")
    with pytest.raises(services.CompletionRefused, match="published already"):
        services.policy_version_publish(version_id=version.pk, user=None)
