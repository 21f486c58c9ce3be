"""Completing the training: signing the acknowledgement, issuing the certificate, its PDF,
revoking it."""

from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from eupsite.audit import audit
from eupsite.files import safe_filename
from eupsite.language import current_language
from jobs.models import OutgoingEmail
from jobs.services import FileUnavailable, email_queue
from staff.models import Assignment

from .codes import code_new
from .models import Acknowledgement, Certificate

logger = logging.getLogger(__name__)

# The audit trail's name for revoking (registered in wagtail_hooks).
REVOKE_ACTION = "eup.certificate.revoke"

NOT_STAFF = gettext_noop(
    "Your account is not on the staff roster, so there is no training to complete."
)
NO_ASSIGNMENT = gettext_noop("You have no training assigned for this school year.")
NOT_ALL_PASSED = gettext_noop("Pass every section's quiz before you sign the acknowledgement.")
NO_POLICY_TEXT = gettext_noop(
    "The acknowledgement text is not loaded yet, so it cannot be signed. Tell your "
    "administrator (manage.py load_course loads it)."
)
NOT_CONFIRMED = gettext_noop(
    "Tick the box to confirm that you have read and agree to the acknowledgement."
)
NAME_MISMATCH = gettext_noop(
    'The name you typed does not match the name on the staff roster ("%(expected)s"). Type your '
    "full name as it appears there; if the roster is wrong, ask your administrator to correct it."
)
TRANSLATION_CHANGED = gettext_noop(
    "The translation of the acknowledgement changed while you were reading it. Read it again "
    "below, then sign."
)
PDF_UNAVAILABLE = gettext_noop(
    "The certificate could not be saved: the server's storage is full or not writable. Nothing "
    "was lost; try the download again later, and tell your administrator if it keeps failing."
)


class CompletionRefused(Exception):
    """The acknowledgement cannot be signed now; the message says why and what to do."""


class CertificateUnavailable(FileUnavailable):
    """The certificate's PDF cannot be produced or stored right now."""


def acknowledgement_text(*, course=None, today: date | None = None):
    """The version of the acknowledgement learners sign now: the course's latest version in
    effect today (a PolicyVersion; load_course loads them from content/acknowledgement/)."""
    from training.models import CoursePage, PolicyVersion

    course = course or CoursePage.objects.live().order_by("path").first()
    today = today or timezone.localdate()
    return (
        PolicyVersion.objects.filter(
            course=course, effective_on__lte=today, published_at__isnull=False
        )
        .order_by("-number")
        .first()
    )


def _name_tokens(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return "".join(ch if ch.isalnum() else " " for ch in plain).split()


def name_matches(*, typed: str, first_name: str, last_name: str) -> bool:
    """Whether a typed signature is the roster name: the given names and the family name each
    appear as whole words, in either order (family name first is usual in Vietnamese, Chinese,
    Hungarian and Korean names), with middle names allowed between them. Case, accents,
    hyphens, apostrophes and spacing do not matter ("Maria ONeil-Nunez" is María
    O'Neil-Núñez), but a word may not carry extra letters ("Xoneilnunez" is not O'Neil-Núñez).
    """
    words = _name_tokens(typed)
    given, family = "".join(_name_tokens(first_name)), "".join(_name_tokens(last_name))
    if not words or not given or not family:
        return False

    def opens_with(name: str) -> int | None:
        """How many leading words spell `name` exactly, or None."""
        for count in range(1, len(words) + 1):
            if "".join(words[:count]) == name:
                return count
        return None

    def closes_with(name: str) -> int | None:
        for count in range(1, len(words) + 1):
            if "".join(words[-count:]) == name:
                return count
        return None

    for first, last in ((given, family), (family, given)):
        head, tail = opens_with(first), closes_with(last)
        if head is not None and tail is not None and head + tail <= len(words):
            return True
    return False


def next_refresher_due(assignment: Assignment) -> date:
    """When the next refresher is due, which is when this certificate expires: the next cycle's
    refresher date if that cycle exists, else the same day a year later."""
    from staff.models import TrainingCycle

    cycle = assignment.cycle
    following = (
        TrainingCycle.objects.filter(starts_on__gt=cycle.starts_on).order_by("starts_on").first()
    )
    if following is not None:
        return following.refresher_due_on
    due = cycle.refresher_due_on
    try:
        return due.replace(year=due.year + 1)
    except ValueError:  # February 29
        return due.replace(year=due.year + 1, day=28)


def acknowledgement_sign(
    *,
    user,
    typed_name: str,
    confirmed: bool,
    ip_address: str | None,
    user_agent: str,
    course=None,
    translation_shown: int | None = None,
) -> Certificate:
    """Record the learner's signature, complete their assignment for the current cycle and
    issue exactly one certificate. A second request (double click, two tabs, at the same
    moment) returns the certificate already issued: the database allows one acknowledgement
    per assignment and policy version. After a material change of the policies is published,
    someone who signed before signs the new version and gets a new certificate.

    `course` is the course signed for (the first one when None). `translation_shown` is the id
    of the reviewed translation the signing page showed (None: the English alone); if another
    one is in force now, the signer reads again before signing. Raises CompletionRefused
    when the user is not staff, has no assignment of the course in the current cycle, has not
    passed every quiz, did not confirm, or typed a name that does not match the roster.
    """
    from staff.selectors import learner_assignment, staff_for_user
    from training.models import CoursePage
    from training.selectors import course_outline, course_revision, reviewed_translation

    staff = staff_for_user(user=user)
    if staff is None:
        raise CompletionRefused(gettext(NOT_STAFF))
    course = course or CoursePage.objects.live().order_by("path").first()
    assignment = learner_assignment(user=user, course_id=course.pk) if course else None
    if assignment is None:
        raise CompletionRefused(gettext(NO_ASSIGNMENT))
    text = acknowledgement_text(course=course)
    if text is None:
        raise CompletionRefused(gettext(NO_POLICY_TEXT))
    latest = Certificate.objects.filter(assignment=assignment).order_by("-issued_at").first()
    if latest is not None and assignment.reacknowledge_from is None:
        # Done for this cycle: a minor change of the policies since asks nothing more.
        return latest
    existing = Certificate.objects.filter(
        assignment=assignment, acknowledgement__policy_version=text
    ).first()
    if existing is not None:
        return existing
    outline = course_outline(course=course, user=user)
    if not outline or not all(entry.section_passed for entry in outline):
        raise CompletionRefused(gettext(NOT_ALL_PASSED))
    if not confirmed:
        raise CompletionRefused(gettext(NOT_CONFIRMED))
    if not name_matches(typed=typed_name, first_name=staff.first_name, last_name=staff.last_name):
        raise CompletionRefused(gettext(NAME_MISMATCH) % {"expected": staff.full_name})
    translation_now = reviewed_translation(course_id=course.pk)
    if (translation_now.pk if translation_now else None) != translation_shown:
        raise CompletionRefused(gettext(TRANSLATION_CHANGED))

    from .pdf import unprintable_characters

    now = timezone.now()
    unprintable = unprintable_characters(
        staff.full_name, staff.location.name, course.title, typed_name
    )
    if unprintable:
        logger.warning(
            "Certificate for %s: the certificate font cannot print %r", staff, unprintable
        )
    try:
        with transaction.atomic():
            acknowledgement = Acknowledgement.objects.create(
                assignment=assignment,
                staff=staff,
                typed_name=" ".join(typed_name.split())[:300],
                signed_at=now,
                text_sha256=text.text_sha256,
                policy_version=text,
                course_revision=course_revision(course=course),
                ip_address=ip_address,
                user_agent=user_agent[:1000],
                language=current_language(),
                translation=translation_now,
            )
            certificate = Certificate.objects.create(
                assignment=assignment,
                acknowledgement=acknowledgement,
                code=code_new(),
                holder_name=staff.full_name,
                employee_id=staff.employee_id,
                location_name=staff.location.name,
                course_title=course.title,
                cycle_name=assignment.cycle.name,
                completed_on=timezone.localdate(now),
                expires_on=next_refresher_due(assignment),
                section_scores=[
                    {"section": e.section.title, "score": _score_text(e)} for e in outline
                ],
                unprintable_characters=unprintable[:100],
            )
            Assignment.objects.filter(pk=assignment.pk, completed_at__isnull=True).update(
                completed_at=now
            )
            # A re-acknowledgement: the new certificate supersedes the earlier one.
            Assignment.objects.filter(pk=assignment.pk).update(reacknowledge_from=None)
            # In the same transaction as the certificate: a signature that loses the race
            # (IntegrityError above) rolls its e-mail back too, so the learner gets one.
            certificate_email_queue(certificate=certificate, staff=staff)
    except IntegrityError:
        # The same signature arrived twice at the same moment: the first one won.
        return Certificate.objects.get(assignment=assignment, acknowledgement__policy_version=text)
    return certificate


def certificate_email_queue(*, certificate: Certificate, staff) -> OutgoingEmail | None:
    """Queue the "your certificate" e-mail to the holder: course, completion date, the
    verification code and page, and a link to the PDF that needs signing in (the e-mail holds
    no PDF: a forwarded message gives nobody else the certificate). Nothing for someone
    without a work e-mail: they find it on their course page."""
    if not staff.email:
        return None
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "first_name": staff.first_name,
        "certificate": certificate,
        "download_url": base + reverse("certificates:download", args=[certificate.code]),
        "verify_url": base + reverse("certificates:verify", args=[certificate.code]),
        "district": settings.DISTRICT_NAME,
    }
    # In the language the holder signed in, as their certificate is.
    with translation.override(certificate.acknowledgement.language):
        return email_queue(
            kind=OutgoingEmail.Kind.CERTIFICATE,
            to=staff.email,
            subject=gettext("Your certificate: %(course)s") % {"course": certificate.course_title},
            body=render_to_string("certificates/email/certificate_issued.txt", context),
        )


def _score_text(entry) -> str:
    if not entry.has_quiz:
        return "read"
    return f"{entry.best_score.normalize():f} %" if entry.best_score is not None else "–"


def certificate_pdf(*, certificate: Certificate) -> bytes:
    """The certificate's PDF: rendered once, stored, and served from storage afterwards so
    every download is byte-for-byte the same. Raises CertificateUnavailable if it cannot be
    stored (full disk, unwritable media folder); nothing half-written is kept."""
    from .pdf import render_certificate

    stored = _stored_pdf(certificate)
    if stored is not None:
        return stored
    seen = certificate.pdf.name or ""
    # In the language the holder signed in, whoever downloads it first.
    with translation.override(certificate.acknowledgement.language):
        data = render_certificate(certificate)
    try:
        certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(data), save=False)
    except OSError as exc:
        raise CertificateUnavailable(gettext(PDF_UNAVAILABLE)) from exc
    # One conditional UPDATE claims the certificate's file, without a lock or a save() (whose
    # signals would re-index the row's references, which the file does not change). Of two
    # first downloads at the same moment one stores its file and the other serves that one.
    if Certificate.objects.filter(pk=certificate.pk, pdf=seen).update(pdf=certificate.pdf.name):
        return data
    certificate.pdf.storage.delete(certificate.pdf.name)
    certificate.refresh_from_db(fields=["pdf"])
    return _stored_pdf(certificate) or data


def _stored_pdf(certificate: Certificate) -> bytes | None:
    """The stored PDF, or None if none was stored or the file has gone missing (restored
    database without its media): then it is rendered again."""
    if not certificate.pdf:
        return None
    try:
        with certificate.pdf.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise ValueError(gettext("Give the reason for revoking the certificate."))
    with transaction.atomic():
        revoked = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason, revoked_by=by
        )
        if revoked:
            audit(instance=certificate, action=REVOKE_ACTION, user=by, reason=reason)
    certificate.refresh_from_db()
    return certificate


def certificates_zip_for(prepared) -> tuple[bytes, int]:
    """The prepared file of kind CERTIFICATES_ZIP: a location's certificates of a cycle."""
    certificates = list(
        Certificate.objects.filter(
            assignment__staff__location=prepared.location, assignment__cycle=prepared.cycle
        )
        .select_related("acknowledgement__policy_version")
        .order_by("employee_id")
    )
    return certificates_zip(certificates=certificates), len(certificates)


def certificates_zip(*, certificates: list[Certificate]) -> bytes:
    """One ZIP of the certificates' PDFs, named by location, employee id and code."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            name = f"{certificate.employee_id}_{certificate.holder_name}_{certificate.code}.pdf"
            archive.writestr(safe_filename(name), certificate_pdf(certificate=certificate))
    return buffer.getvalue()


# --- publishing a new version of the acknowledgement ----------------------------------------

PUBLISH_ACTION = "eup.policy_version.publish"
ALREADY_PUBLISHED = gettext_noop("Version %(number)s is published already.")


@dataclass(frozen=True)
class PublishPreview:
    version: object
    current: object | None  # the version signed until now
    # Who signed an earlier version in the current cycle: asked to acknowledge again when a
    # material version is published; nobody is for a minor one.
    to_reacknowledge: list[Assignment]
    sections_changed: list  # SectionPage, in course order; read and passed again if material


def _signed_earlier(version):
    from staff.services import cycle_current

    cycle = cycle_current()
    if cycle is None:
        return Assignment.objects.none()
    signed_this = Acknowledgement.objects.filter(assignment=OuterRef("pk"), policy_version=version)
    return (
        Assignment.objects.filter(cycle=cycle, completed_at__isnull=False)
        .filter(
            Q(acknowledgements__policy_version__number__lt=version.number)
            | Q(acknowledgements__policy_version__isnull=True)
        )
        .exclude(Exists(signed_this))
        .distinct()
    )


def policy_version_publish_preview(*, version) -> PublishPreview:
    from training.models import SectionPage

    affected = []
    if version.material:
        affected = list(
            _signed_earlier(version)
            .select_related("staff__location")
            .order_by("staff__location__name", "staff__last_name", "staff__first_name")
        )
    sections = list(
        SectionPage.objects.child_of(version.course)
        .filter(slug__in=version.sections_changed)
        .order_by("path")
    )
    return PublishPreview(
        version=version,
        current=acknowledgement_text(course=version.course),
        to_reacknowledge=affected,
        sections_changed=sections,
    )


def policy_version_publish(*, version_id: int, user) -> int:
    """Publish a version: learners sign it from now (once in effect). A material version asks
    everyone who signed an earlier one in this cycle to acknowledge again, and its changed
    sections are read and passed again. Returns how many are asked. Raises
    CompletionRefused when it is published already."""
    from training.models import PolicyVersion

    with transaction.atomic():
        version = PolicyVersion.objects.select_for_update().get(pk=version_id)
        if version.published_at is not None:
            raise CompletionRefused(gettext(ALREADY_PUBLISHED) % {"number": version.number})
        now = timezone.now()
        version.published_at = now
        asked = 0
        if version.material:
            version.reacknowledgement_asked_at = now
            asked = Assignment.objects.filter(
                pk__in=list(_signed_earlier(version).values_list("pk", flat=True))
            ).update(reacknowledge_from=now)
        version.save(update_fields=["published_at", "reacknowledgement_asked_at"])
        audit(
            instance=version,
            action=PUBLISH_ACTION,
            user=user,
            version=version.number,
            material=version.material,
            asked=asked,
        )
    return asked


class PolicySignatures:
    """Who signed which policy text, as the course loader asks it (registered for
    training.services.POLICY_SIGNATURES_HOOK): a version somebody signed never changes."""

    @staticmethod
    def any_signed() -> bool:
        return Acknowledgement.objects.exists()

    @staticmethod
    def text_signed(*, text_sha256: str) -> bool:
        return Acknowledgement.objects.filter(text_sha256=text_sha256).exists()

    @staticmethod
    def count(*, version) -> int:
        return Acknowledgement.objects.filter(policy_version=version).count()

    @staticmethod
    def attach_unversioned(*, version) -> None:
        """Signatures made before versions were kept carry only the hash of the text they
        signed: tie each to the version with that text."""
        Acknowledgement.objects.filter(policy_version=None, text_sha256=version.text_sha256).update(
            policy_version=version
        )
