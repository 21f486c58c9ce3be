import errno
import secrets
from pathlib import PurePosixPath

from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _


def safe_filename(name: str) -> str:
    """`name` with every character but letters, digits, "-", "_" and "." replaced by "_": safe
    in a ZIP entry and a Content-Disposition header on any system."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def storage_problem(exc: OSError) -> str:
    """What went wrong writing a file, in words for an administrator, without the server's
    file paths (which an OSError's message carries)."""
    if exc.errno == errno.ENOSPC:
        # Translators: completes "The file could not be written: ...".
        return _("the server's disk is full")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        # Translators: completes "The file could not be written: ...".
        return _("the server may not write to its storage folder")
    name = errno.errorcode.get(exc.errno, "unknown") if exc.errno else "unknown"
    # Translators: completes "The file could not be written: ..."; %(name)s is an error code.
    return _("the server's storage refused it (%(name)s)") % {"name": name}


@deconstructible
class unguessable_path:  # noqa: N801 (used like a function in upload_to=)
    """upload_to for stored records (certificate PDFs, prepared ZIPs): a random folder name, so
    knowing a certificate's code or a school's name never leads to its file. They are served
    only through views that check who is asking; media is never served as a folder."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        name = PurePosixPath(filename).name
        return f"{self.folder}/{secrets.token_urlsafe(18)}/{name}"

    def __eq__(self, other):
        return isinstance(other, unguessable_path) and other.folder == self.folder


# A spreadsheet opens a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """A text cell made safe for spreadsheets: a leading formula character gets a quote. Every
    CSV or XLSX the product writes (the staff report, the records archive) passes through it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
