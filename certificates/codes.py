"""Verification codes: 16 characters from a 32-symbol alphabet with no look-alikes (no 0, 1,
I or O), grouped by four as ABCD-EFGH-JKLM-NPQR: 16 x 5 = 80 bits of randomness, easy to read
aloud and to type."""

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_SIZE = 4, 4
CODE_RE = re.compile(
    rf"^[{ALPHABET}]{{{GROUP_SIZE}}}(-[{ALPHABET}]{{{GROUP_SIZE}}}){{{GROUPS - 1}}}$"
)


def code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))


def code_normalise(typed: str) -> str | None:
    """A code as people type it (lower case, spaces, missing hyphens) in its printed form, or
    None if it cannot be a code."""
    raw = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(raw) != GROUPS * GROUP_SIZE or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))
