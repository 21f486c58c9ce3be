"""One-time sign-in codes for staff without a work e-mail: 8 symbols from the unambiguous
32-symbol alphabet of certificate codes (no 0, 1, I or O), printed as ABCD-EFGH, 40 bits from
`secrets`. Short enough to type from a sheet of paper; guessing is bounded by the rate limit
of the page, by the few wrong tries a code survives, and by its expiry.

Only an HMAC of a code is stored, keyed with SECRET_KEY: unlike a plain hash, 40 bits could not
be brute-forced from a copy of the database alone. (Rotating SECRET_KEY voids printed codes.)"""

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

# The alphabet of certificates/codes.py (staff sits below certificates, so it keeps its own).
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_SIZE = 2, 4
_KEY_SALT = "staff.sign_in_code"


def code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))


def code_normalise(typed: str) -> str | None:
    """A code as people type it (lower case, spaces, with or without the hyphen) in its printed
    form, or None if it cannot be a code."""
    raw = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(raw) != GROUPS * GROUP_SIZE or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))


def code_hash(code: str) -> str:
    return salted_hmac(_KEY_SALT, code, algorithm="sha256").hexdigest()


def code_matches(code: str, stored_hash: str) -> bool:
    return constant_time_compare(code_hash(code), stored_hash)
