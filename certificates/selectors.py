"""Read-side rules of certificates: a certificate's state, and who may see which."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from .codes import code_normalise
from .models import Certificate

VALID, EXPIRED, REVOKED, NOT_FOUND = "valid", "expired", "revoked", "not_found"
SUPERSEDED = "superseded"


def certificate_state(certificate: Certificate, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if certificate.revoked_at is not None:
        return REVOKED
    if certificate_superseded_by(certificate) is not None:
        return SUPERSEDED
    if today > certificate.expires_on:
        return EXPIRED
    return VALID


def certificate_superseded_by(certificate: Certificate) -> Certificate | None:
    """The certificate issued after this one for the same assignment (the holder acknowledged
    a material change of the policies), if any."""
    if not hasattr(certificate, "_superseded_by"):
        certificate._superseded_by = (
            Certificate.objects.filter(
                assignment_id=certificate.assignment_id, issued_at__gt=certificate.issued_at
            )
            .order_by("issued_at")
            .first()
        )
    return certificate._superseded_by


def certificate_verify(*, code: str) -> tuple[str, Certificate | None]:
    """(state, certificate) for a typed code. An unknown or malformed code takes the same path
    (one indexed lookup) and answers only NOT_FOUND."""
    normalised = code_normalise(code) or "----"
    certificate = (
        Certificate.objects.filter(code=normalised)
        .select_related("acknowledgement__policy_version")
        .first()
    )
    if certificate is None:
        return NOT_FOUND, None
    return certificate_state(certificate), certificate


def certificates_for_user(*, user, course_id: int | None = None) -> list[Certificate]:
    """The learner's certificates (of one course when `course_id` is given), newest first;
    each knows whether a newer one of the same assignment supersedes it (`is_superseded`),
    without a query per certificate."""
    certificates = Certificate.objects.filter(assignment__staff__user=user)
    if course_id is not None:
        certificates = certificates.filter(assignment__course_id=course_id)
    certificates = list(certificates.order_by("-issued_at"))
    newest_per_assignment: dict[int, Certificate] = {}
    for certificate in certificates:
        newest = newest_per_assignment.setdefault(certificate.assignment_id, certificate)
        certificate.is_superseded = newest is not certificate
    return certificates


def certificate_for_download(*, user, code: str) -> Certificate | None:
    """The certificate if `user` holds it or may manage certificates; None otherwise (the view
    answers 404 so that codes and ids are not confirmed). The holder's own certificate, the
    usual case, takes one query: the permission check (two more) only runs when that finds
    nothing. The signature and its policy version come along, as the PDF prints them."""
    certificates = Certificate.objects.filter(code=code).select_related(
        "acknowledgement__policy_version"
    )
    if user.is_authenticated:
        own = certificates.filter(assignment__staff__user=user).first()
        if own is not None:
            return own
    if not user.has_perm("certificates.view_certificate"):
        return None
    return certificates.first()
