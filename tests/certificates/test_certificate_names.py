"""The certificate prints every character of every real name, on one page (issue H, items 18
and 19)."""

import io
import unicodedata
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from certificates.models import Acknowledgement, Certificate
from certificates.pdf import render_certificate, unprintable_characters
from tests.helpers import login_verified

from .conftest import sign

NAMES = {
    "Vietnamese": "Nguyễn Thị Minh Khai",
    "Polish": "Łukasz Żółkiewski-Wąsowicz",
    "Czech": "Jiří Dvořák Šťastný",
    "Romanian": "Ștefan Țăranu-Măgureanu",
    "Turkish": "Şükrü İğdır Çağlayan Öztürk",
    "Icelandic": "Þórunn Ægisdóttir Ðóra",
}


def certificate_for(
    holder: str,
    *,
    location="Maple Street Elementary School",
    course="Electronic Use Policies",
    typed=None,
    sections=7,
) -> Certificate:
    """An issued certificate as the PDF sees it (not saved: the PDF reads only its fields)."""
    acknowledgement = Acknowledgement(
        typed_name=typed or holder, signed_at=datetime(2026, 9, 20, 15, tzinfo=UTC)
    )
    return Certificate(
        acknowledgement=acknowledgement,
        code="ABCD-EFGH-JKLM-NPQR",
        holder_name=holder,
        employee_id="E-4411",
        location_name=location,
        course_title=course,
        cycle_name="2026-2027",
        completed_on=date(2026, 9, 20),
        expires_on=date(2027, 10, 1),
        section_scores=[{"section": f"Section {n}", "score": "100 %"} for n in range(sections)],
    )


def pdf_pages(certificate: Certificate):
    return PdfReader(io.BytesIO(render_certificate(certificate))).pages


@pytest.mark.parametrize("language", list(NAMES))
def test_h18_the_certificate_prints_every_character_of_the_name(language):
    name = NAMES[language]
    pages = pdf_pages(certificate_for(name))
    text = unicodedata.normalize("NFC", pages[0].extract_text())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert name in lines, lines[:8]  # the holder line reads back as exactly the name
    assert "\x00" not in text and "\ufffd" not in text
    assert unprintable_characters(name) == ""


def test_h18_a_character_the_font_lacks_is_reported_to_administrators_at_issue(
    client, learner_client, passed_everything, django_user_model
):
    from django.contrib.auth.models import Group

    passed_everything.first_name = "Li 李"
    passed_everything.save()
    assert sign(learner_client, "Li 李 O'Neil-Núñez").status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.unprintable_characters == "李"

    hr = django_user_model.objects.create_user("hr@school.example", password="pw-hr-123456")
    hr.groups.add(Group.objects.get(name="HR administrators"))
    login_verified(client, hr)
    home = client.get("/admin/").content.decode()
    assert "Certificates that print a character as a box" in home
    assert "cannot print “李”" in home


@pytest.mark.parametrize(
    "holder, location, course, typed",
    [
        ("A" * 80, "B" * 200, "C" * 255, "A" * 80),
        (
            "Maximiliana Guadalupe Fernández-Oyarzábal de la Concepción Nguyễn Thị Ẩn Whitley",
            "Thurgood Marshall Academy for Science, Technology, Engineering and Mathematics at the "
            "Former Crosby High School Campus, Building C (Adult and Continuing Education Wing)",
            "Electronic Use Policies: Acceptable Use, Privacy, E-mail Retention, Social Media, "
            "Internet Filtering and Monitoring, Student Data Privacy, Reporting Misuse and "
            "Consequences for All Employees, Contractors, Substitutes and Volunteers 2026-2027",
            "Maximiliana Guadalupe Fernández-Oyarzábal de la Concepción Nguyễn Thị Ẩn Whitley",
        ),
    ],
)
def test_h19_the_longest_names_location_and_course_fit_on_one_page(holder, location, course, typed):
    assert len(holder) <= 80
    pages = pdf_pages(certificate_for(holder, location=location, course=course, typed=typed))
    assert len(pages) == 1
    text = " ".join(pages[0].extract_text().split())
    assert "ABCD-EFGH-JKLM-NPQR" in text  # the last line, the code, is still on the page
