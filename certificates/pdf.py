"""The certificate as a one-page landscape PDF, rendered by xhtml2pdf from a Django template.

Fonts: Bitstream Vera, which ships inside reportlab (xhtml2pdf's own dependency), embedded in
every PDF. xhtml2pdf refuses files outside the folders its resource policy names and would
quietly fall back to Helvetica, so the policy names the font folder explicitly.
"""

from __future__ import annotations

import io
from pathlib import Path

import reportlab
import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from .models import Certificate

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
TEMPLATE_DIR = Path(__file__).parent / "templates" / "certificates"
POLICY = ResourceAccessPolicy(allow_remote=False, base_dir=TEMPLATE_DIR, extra_roots=[FONT_DIR])


def verify_url(code: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("certificates:verify", args=[code])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=6, border=2)


def render_certificate(certificate: Certificate) -> bytes:
    url = verify_url(certificate.code)
    # Dated in the district's time zone, whoever's request or whichever worker renders it.
    with timezone.override(timezone.get_default_timezone()):
        html = render_to_string(
            "certificates/certificate_pdf.html",
            {
                "certificate": certificate,
                "district": settings.DISTRICT_NAME,
                "verify_url": url,
                "qr": qr_data_uri(url),
                "font_dir": FONT_DIR.as_posix(),
            },
        )
    output = io.BytesIO()
    result = pisa.CreatePDF(
        html, dest=output, encoding="utf-8", resource_policy=POLICY, path=str(TEMPLATE_DIR)
    )
    if result.err:
        raise RuntimeError(f"xhtml2pdf could not render certificate {certificate.code}")
    return output.getvalue()
