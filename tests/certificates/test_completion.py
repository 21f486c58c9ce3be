import errno
import html
import io
import os
import re
import threading
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from certificates import services
from certificates.codes import ALPHABET, CODE_RE, code_new, code_normalise
from certificates.models import Acknowledgement, Certificate
from certificates.selectors import EXPIRED, REVOKED, VALID, certificate_state
from staff.models import Assignment
from tests.helpers import login_verified, pass_section

from .conftest import sign


def test_no_certificate_before_every_quiz_is_passed(
    learner_client, learner, assigned_learner, sections
):
    for section in sections[:-1]:
        pass_section(learner, section)
    response = sign(learner_client)
    assert response.status_code == 400
    assert services.NOT_ALL_PASSED in html.unescape(response.content.decode())
    assert not Acknowledgement.objects.exists() and not Certificate.objects.exists()


def test_signing_records_the_acknowledgement_and_issues_one_certificate(
    learner_client, passed_everything
):
    response = sign(learner_client)
    certificate = Certificate.objects.get()
    assert response["Location"] == f"/certificates/{certificate.code}/"
    ack = certificate.acknowledgement
    assert ack.typed_name == "María O'Neil-Núñez"
    assert ack.text_sha256 == services.acknowledgement_text().text_sha256
    assert ack.policy_version == services.acknowledgement_text()
    assert ack.ip_address == "127.0.0.1" and ack.user_agent == "pytest-browser/1.0"
    assert ack.course_revision.startswith("electronic-use-policies@")
    assignment = Assignment.objects.get()
    assert assignment.completed_at == ack.signed_at
    assert certificate.holder_name == "María O'Neil-Núñez"
    assert certificate.employee_id == "E-4411"
    assert certificate.location_name == "Maple Street Elementary School"
    assert len(certificate.section_scores) == 7
    assert certificate.expires_on.year == assignment.cycle.refresher_due_on.year + 1


def test_signing_twice_issues_one_certificate(learner_client, passed_everything):
    first = sign(learner_client)
    second = sign(learner_client)
    assert first["Location"] == second["Location"]
    assert Certificate.objects.count() == 1 == Acknowledgement.objects.count()


@pytest.mark.parametrize(
    "typed",
    [
        "maria o'neil nunez",
        "MARÍA O NEIL-NÚÑEZ",
        "María Elena O'Neil-Núñez",
        "Maria ONeil-Nunez",
        # H17: the family name first is a legitimate order.
        "O'Neil-Núñez María",
        "O'Neil-Núñez, María",
    ],
)
def test_a_reasonably_matching_name_is_accepted(learner_client, passed_everything, typed):
    assert sign(learner_client, typed).status_code == 302


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "M. O.",
        "Someone Else",
        "María",
        # H16: names must match as whole words, not as the tail of a longer word.
        "María Xoneilnunez",
        "Maríax O'Neil-Núñez",
        "María Neil-Núñez",
    ],
)
def test_h16_a_name_that_does_not_match_the_roster_as_whole_words_is_refused(
    learner_client, passed_everything, typed
):
    response = sign(learner_client, typed)
    assert response.status_code == 400
    assert "does not match the name on the staff roster" in html.unescape(response.content.decode())
    assert not Certificate.objects.exists()


def test_the_confirmation_box_is_required(learner_client, passed_everything):
    response = sign(learner_client, confirm=False)
    assert services.NOT_CONFIRMED in html.unescape(response.content.decode())
    assert not Certificate.objects.exists()


def test_nobody_can_sign_for_someone_else(client, passed_everything, django_user_model):
    other = django_user_model.objects.create_user("other@school.example")
    login_verified(client, other)
    response = sign(client)
    assert services.NOT_STAFF in html.unescape(response.content.decode())
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "first_name, last_name, typed",
    [
        ("Minh", "Nguyễn Thị", "Nguyễn Thị Minh"),
        ("Minh", "Nguyễn Thị", "nguyen thi minh"),
        ("Minh", "Nguyễn Thị", "Minh Nguyễn Thị"),
        ("Wei", "Zhang", "Zhang Wei"),
        ("Mary Ann", "Smith", "MaryAnn Smith"),
    ],
)
def test_h17_either_order_of_the_same_names_is_accepted(first_name, last_name, typed):
    assert services.name_matches(typed=typed, first_name=first_name, last_name=last_name)


def test_h17_either_order_still_needs_every_name():
    assert not services.name_matches(typed="Nguyễn Minh", first_name="Minh", last_name="Nguyễn Thị")
    assert not services.name_matches(typed="Thị Minh", first_name="Minh", last_name="Nguyễn Thị")


def test_codes_use_the_unambiguous_alphabet_and_carry_80_bits():
    assert len(ALPHABET) == 32 and not set("01IO") & set(ALPHABET)
    codes = {code_new() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert CODE_RE.match(code) and len(code.replace("-", "")) == 16
    assert code_normalise(" abcd efgh-jkLM npqr ") == "ABCD-EFGH-JKLM-NPQR"
    assert code_normalise("ABCD-EFGH-JKLM-NPQ0") is None


def read_pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def test_the_pdf_holds_the_certificates_text_on_one_landscape_page(
    learner_client, passed_everything, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    certificate = Certificate.objects.get()
    response = learner_client.get(f"/certificates/{certificate.code}/download/")
    assert response["Content-Type"] == "application/pdf"

    reader = read_pdf(response.content)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    text = " ".join(page.extract_text().split())
    for expected in (
        "Waterbury Public Schools".upper(),
        "Certificate of Completion",
        "María O'Neil-Núñez",
        "E-4411",
        "Maple Street Elementary School",
        "Electronic Use Policies",
        certificate.cycle_name,
        certificate.completed_on.strftime("%B %-d, %Y"),
        certificate.expires_on.strftime("%B %-d, %Y"),
        certificate.code,
        "Conn. Gen. Stat. § 31-48d",
        "100 %",
    ):
        assert expected in text, expected


def fonts_that_draw_text(page) -> set[str]:
    """The font resources that some text-showing operator (Tj, TJ, ', ") is drawn with."""
    content = page.get_contents().get_data().decode("latin-1")
    used = set()
    for block in re.findall(r"BT(.*?)ET", content, re.S):
        font = None
        for token in re.finditer(r"(/[\w+]+) [\d.]+ Tf|(\)|\]) ?(Tj|TJ|'|\")", block):
            if token.group(1):
                font = token.group(1)
            elif font:
                used.add(font)
    return used


def test_the_pdf_embeds_the_fonts_its_text_is_drawn_with(
    learner_client, passed_everything, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    page = read_pdf(services.certificate_pdf(certificate=Certificate.objects.get())).pages[0]
    resources = page["/Resources"]["/Font"]
    drawn = fonts_that_draw_text(page)
    assert drawn
    for name in drawn:
        font = resources[name].get_object()
        assert "DejaVuSans" in str(font["/BaseFont"]), font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]


def test_the_qr_code_opens_the_verification_page(
    learner_client, passed_everything, settings, tmp_path
):
    import zxingcpp
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    certificate = Certificate.objects.get()
    reader = read_pdf(services.certificate_pdf(certificate=certificate))
    images = reader.pages[0].images
    assert images
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].data)))
    assert [r.text for r in decoded] == [
        f"{settings.WAGTAILADMIN_BASE_URL}/certificates/verify/{certificate.code}/"
    ]


def test_every_download_is_byte_for_byte_the_same(
    learner_client, passed_everything, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    code = Certificate.objects.get().code
    first = learner_client.get(f"/certificates/{code}/download/").content
    second = learner_client.get(f"/certificates/{code}/download/").content
    assert first == second


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES])
def test_a_full_disk_or_unwritable_media_gives_a_clear_error_not_a_broken_download(
    learner_client, passed_everything, settings, tmp_path, monkeypatch, error
):
    from django.core.files.storage import FileSystemStorage

    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    code = Certificate.objects.get().code

    def refuse(self, name, content):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    response = learner_client.get(f"/certificates/{code}/download/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "storage is full or not writable" in response.content.decode()
    assert not Certificate.objects.get().pdf
    monkeypatch.undo()
    retry = learner_client.get(f"/certificates/{code}/download/")
    assert retry.status_code == 200 and retry.content.startswith(b"%PDF")


def test_another_persons_certificate_is_not_found(client, passed_everything, django_user_model):
    from tests.conftest import make_user

    login_verified(client, passed_everything.user)
    sign(client)
    code = Certificate.objects.get().code
    intruder = make_user("intruder@school.example")
    login_verified(client, intruder)
    assert client.get(f"/certificates/{code}/download/").status_code == 404
    assert client.get(f"/certificates/{code}/").status_code == 404


@pytest.fixture
def certificate(learner_client, passed_everything):
    sign(learner_client)
    return Certificate.objects.get()


def test_the_verification_page_states(client, certificate, django_user_model):
    from datetime import timedelta

    page = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "Valid." in page and "María O&#x27;Neil-Núñez" in page
    assert "E-4411" not in page and "Maple Street" not in page  # nothing beyond what it must show
    assert certificate_state(certificate) == VALID

    certificate.expires_on = certificate.completed_on - timedelta(days=1)
    certificate.save()
    assert "Expired." in client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert certificate_state(certificate) == EXPIRED

    admin = django_user_model.objects.create_superuser("hr@district.example", password="pw")
    services.certificate_revoke(certificate=certificate, reason="Issued in error", by=admin)
    assert "Revoked." in client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert certificate_state(certificate) == REVOKED


def test_an_unknown_code_is_simply_not_found(client, db):
    response = client.get("/certificates/verify/ABCD-EFGH-JKLM-NPQR/")
    assert response.status_code == 404
    assert "Not found." in response.content.decode()
    assert client.get("/certificates/verify/not-a-code/").status_code == 404


def test_the_verify_form_accepts_a_typed_code(client, certificate):
    typed = certificate.code.replace("-", " ").lower()
    response = client.get("/certificates/verify/", {"code": typed}, follow=True)
    assert response.redirect_chain[-1][0] == f"/certificates/verify/{certificate.code}/"
    assert "Valid." in response.content.decode()


def test_revoking_needs_a_reason(certificate, django_user_model):
    admin = django_user_model.objects.create_superuser("hr@district.example", password="pw")
    with pytest.raises(ValueError, match="reason"):
        services.certificate_revoke(certificate=certificate, reason="  ", by=admin)


def test_the_course_page_lists_the_learners_certificates(learner_client, certificate):
    page = learner_client.get("/").content.decode()
    assert f"/certificates/{certificate.code}/download/" in page
    assert "Completed" in page


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL for real concurrency"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_signing_issues_exactly_one_certificate(passed_everything_tx):
    user = passed_everything_tx
    barrier = threading.Barrier(4)
    results, errors = [], []

    def attempt():
        from django.db import connections

        try:
            barrier.wait()
            results.append(
                services.acknowledgement_sign(
                    user=user,
                    typed_name="María O'Neil-Núñez",
                    confirmed=True,
                    ip_address="127.0.0.1",
                    user_agent="thread",
                ).code
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert Certificate.objects.count() == 1 == Acknowledgement.objects.count()


def test_code_format_example():
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code_new())


def test_a_lost_pdf_file_is_rendered_again(learner_client, passed_everything, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    certificate = Certificate.objects.get()
    services.certificate_pdf(certificate=certificate)
    certificate.refresh_from_db()
    Path(certificate.pdf.path).unlink()
    response = learner_client.get(f"/certificates/{certificate.code}/download/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert Path(Certificate.objects.get().pdf.path).exists()


def test_the_holders_first_download_reads_one_row_and_writes_one(
    learner_client, learner, passed_everything, settings, tmp_path, django_assert_num_queries
):
    """The certificate, its signature and policy version in one query, the stored file claimed
    by one conditional UPDATE: no permission lookups for the holder, no lock, no re-indexing."""
    from certificates.selectors import certificate_for_download

    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    code = Certificate.objects.get().code
    user = type(learner).objects.get(pk=learner.pk)  # as a request has it: nothing cached
    with django_assert_num_queries(2):
        certificate = certificate_for_download(user=user, code=code)
        data = services.certificate_pdf(certificate=certificate)
    assert data == Path(Certificate.objects.get().pdf.path).read_bytes()


def test_a_download_that_loses_the_race_serves_the_file_stored_first(
    passed_everything, settings, tmp_path, learner_client
):
    settings.MEDIA_ROOT = tmp_path
    sign(learner_client)
    first, second = Certificate.objects.get(), Certificate.objects.get()
    stored = services.certificate_pdf(certificate=first)
    # `second` was read before the first download stored its file, as a parallel request's is.
    assert services.certificate_pdf(certificate=second) == stored
    assert second.pdf.name == Certificate.objects.get().pdf.name
    assert len(list(tmp_path.rglob("*.pdf"))) == 1
