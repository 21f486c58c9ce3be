"""The certificate as a one-page landscape PDF, rendered by xhtml2pdf from a Django template.

Fonts: DejaVu Sans, vendored in certificates/fonts/ with its licence and embedded in every
PDF. It covers Latin Extended-A and -B and Vietnamese, so "Nguyễn", "Łukasz", "Ștefan" and
"Þórunn" print as written (reportlab's own Bitstream Vera stops at Latin-1 and prints boxes).
xhtml2pdf refuses files outside the folders its resource policy names and would quietly fall
back to Helvetica, so the policy names the font folder explicitly.
"""

from __future__ import annotations

import base64
import io
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import zxingcpp
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image, ImageOps
from reportlab.pdfbase.ttfonts import TTFont
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from .models import Certificate

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"]
# What the certificate says about the signature (measured to fit; the template prints it).
ACKNOWLEDGEMENT_LINE = (
    'Signed electronically by "{name}" on September 30, 2026: {title}, version {number}, '
    "including the notice required under Public Act 98-142 (Conn. Gen. Stat. § 31-48d) that use "
    "of the Technology Systems may be monitored."
)


def acknowledgement_title(certificate: Certificate) -> tuple[str, int | str]:
    """(title, version) of the text the certificate's holder signed."""
    acknowledgement = certificate.acknowledgement
    version = acknowledgement.policy_version
    if version is None:
        return "Acknowledgement of Receipt of the Electronic Mail Use Policy", 1
    if acknowledgement.translation is not None:
        # The title as the signer read it: the translation shown to them, not today's.
        return acknowledgement.translation.messages.get(
            version.title, version.title
        ), version.number
    return version.title, version.number


TEMPLATE_DIR = Path(__file__).parent / "templates" / "certificates"
POLICY = ResourceAccessPolicy(allow_remote=False, base_dir=TEMPLATE_DIR, extra_roots=[FONT_DIR])


def verify_url(code: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("certificates:verify", args=[code])


# The QR code's PNG: 6 pixels a module and a 2-module margin, drawn 110 px wide (about 29 mm).
QR_SCALE, QR_BORDER = 6, 2


def qr_data_uri(url: str) -> str:
    """The QR code of `url` (error correction M) as a 1-bit PNG data URI. zxing-cpp encodes it
    (choosing the mask as the standard says) and Pillow writes the PNG in about a millisecond;
    segno's pure Python took 6-12 ms of every certificate's render."""
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = symbol.to_image(scale=QR_SCALE, add_quiet_zones=False)
    height, width = modules.shape
    image = Image.frombytes("L", (width, height), bytes(modules))
    image = ImageOps.expand(image, border=QR_BORDER * QR_SCALE, fill=255).convert("1")
    png = io.BytesIO()
    image.save(png, "PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


@lru_cache(maxsize=1)
def _printable_characters() -> frozenset[int]:
    """The code points every certificate font (regular, bold, italic) has a glyph for."""
    covered = None
    for name in FONT_FILES:
        codepoints = set(TTFont(name, str(FONT_DIR / name)).face.charToGlyph)
        covered = codepoints if covered is None else covered & codepoints
    return frozenset(covered)


def unprintable_characters(*texts: str) -> str:
    """The characters of `texts` the certificate font cannot draw (each once, in order): a
    name with one of these would print a box, so the certificate says so to administrators."""
    printable = _printable_characters()
    missing = []
    for text in texts:
        for char in unicodedata.normalize("NFC", text):
            if not char.isspace() and ord(char) not in printable and char not in missing:
                missing.append(char)
    return "".join(missing)


# The width inside the certificate's two frames, in points: 11in landscape less the page
# margins, borders and paddings of certificate_pdf.html (a little less, for rounding).
TEXT_WIDTH = 600


@lru_cache(maxsize=1)
def _measuring_fonts() -> dict[str, TTFont]:
    """The certificate's fonts, to measure text exactly as it will be drawn."""
    return {
        style: TTFont("EupCertificate-" + style, str(FONT_DIR / filename))
        for style, filename in zip(("regular", "bold", "italic"), FONT_FILES, strict=True)
    }


def _fit(
    text: str, *, size: float, style: str, lines: int, width: float = TEXT_WIDTH
) -> tuple[float, int]:
    """(size, lines used): the largest size up to `size` at which `text` fits in `lines`
    lines of `width` points, the longest word on one line by itself (a name or location
    without spaces cannot wrap)."""
    font = _measuring_fonts()[style]
    words = text.split() or [""]
    whole = font.stringWidth(text, size)
    longest = max(font.stringWidth(word, size) for word in words)
    # Wrapping wastes part of each line; 0.85 leaves room for that.
    usable = 0.85 * width
    scale = min(1.0, usable * lines / (whole or 1), width / (longest or 1))
    return size * scale, max(1, math.ceil(whole * scale / usable))


# The blocks of the certificate whose length varies: (base size, style, most lines).
BLOCKS = {
    "holder": (28, "bold", 2),
    "meta": (10.5, "regular", 2),
    "course": (19, "bold", 3),
    "ack": (9, "italic", 4),
}
# Their room on the page, in points, measured on the layout: what a typical certificate uses
# (one line each and three for the acknowledgement) plus the space left under it.
BLOCKS_HEIGHT = 160
LINE_HEIGHT = 1.3


def fitted_sizes(texts: dict[str, str], *, shrink: float = 1.0) -> dict[str, str]:
    """Font sizes that keep any real name, location and course title (and any the database
    allows) on the certificate's one page: each block at its base size when it fits its
    lines, smaller when it does not, and all of them smaller together if their lines would
    not fit in the room they share (times `shrink`, for a second try)."""
    fits = {
        name: _fit(texts[name], size=size, style=style, lines=lines)
        for name, (size, style, lines) in BLOCKS.items()
    }
    height = sum(size * used * LINE_HEIGHT for size, used in fits.values())
    shrink *= min(1.0, BLOCKS_HEIGHT / height)
    return {name: f"{size * shrink:.1f}pt" for name, (size, _used) in fits.items()}


def _sizes(certificate: Certificate, shrink: float) -> dict[str, str]:
    title, number = acknowledgement_title(certificate)
    sizes = fitted_sizes(
        {
            "holder": certificate.holder_name,
            "meta": gettext("Employee ID %(employee_id)s")
            % {"employee_id": certificate.employee_id}
            + f" · {certificate.location_name}",
            "course": certificate.course_title,
            "ack": ACKNOWLEDGEMENT_LINE.format(
                name=certificate.acknowledgement.typed_name,
                title=title,
                number=number,
            ),
        },
        shrink=shrink,
    )
    score_sizes = [
        _fit(row["section"] + " 100 %", size=9, style="regular", lines=1, width=0.45 * TEXT_WIDTH)[
            0
        ]
        for row in certificate.section_scores
    ]
    sizes["scores"] = f"{min(score_sizes, default=9):.1f}pt"
    return sizes


def render_certificate(certificate: Certificate) -> bytes:
    """The PDF, on one page. The sizes are measured to fit; should the layout still run onto
    a second page (an unusual run of wide letters), it is drawn again a little smaller."""
    shrink = 1.0
    for _ in range(MAX_FIT_TRIES):
        pdf = _render(certificate, shrink=shrink)
        if _page_count(pdf) == 1:
            return pdf
        shrink *= 0.85
    raise RuntimeError(f"Certificate {certificate.code} does not fit on one page")


MAX_FIT_TRIES = 8


def _page_count(pdf: bytes) -> int:
    # ReportLab writes the page tree as "/Count N /Kids [...] /Type /Pages".
    return int(re.search(rb"/Count (\d+) /Kids \[[^\]]*\] /Type /Pages", pdf).group(1))


def certificate_html(certificate: Certificate, *, shrink: float = 1.0) -> str:
    """The certificate page as xhtml2pdf draws it (fonts by @font-face, the QR code inline)."""
    url = verify_url(certificate.code)
    # Dated in the district's time zone, whoever's request or whichever worker renders it.
    with timezone.override(timezone.get_default_timezone()):
        return render_to_string(
            "certificates/certificate_pdf.html",
            {
                "certificate": certificate,
                "district": settings.DISTRICT_NAME,
                "verify_url": url,
                "qr": qr_data_uri(url),
                "font_dir": FONT_DIR.as_posix(),
                "sizes": _sizes(certificate, shrink),
                "acknowledged_title": acknowledgement_title(certificate)[0],
                "acknowledged_version": acknowledgement_title(certificate)[1],
            },
        )


def _render(certificate: Certificate, *, shrink: float) -> bytes:
    html = certificate_html(certificate, shrink=shrink)
    output = io.BytesIO()
    result = pisa.CreatePDF(
        html, dest=output, encoding="utf-8", resource_policy=POLICY, path=str(TEMPLATE_DIR)
    )
    if result.err:
        raise RuntimeError(f"xhtml2pdf could not render certificate {certificate.code}")
    return output.getvalue()
