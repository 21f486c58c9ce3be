"""The Spanish catalogue (locale/es) is complete: every message the code and templates mark is
in it, translated, not fuzzy, and not the English copied; placeholders and HTML tags kept."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
SOURCE_FOLDERS = ["site", "training", "quizzes", "certificates", "staff", "reports", "jobs"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*")
# Two English words in a row: a message that is a name or a code ("PDF", "OneRoster") may
# stay as it is; a sentence may not.
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


def entries():
    return [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]


def translations(entry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def where(entry) -> str:
    files = sorted({path for path, _ in entry.occurrences})
    return f"{CATALOGUE.name}: msgid {entry.msgid[:70]!r} ({', '.join(files) or 'no source'})"


def test_every_message_is_translated_and_none_is_fuzzy():
    problems = [
        f"{where(e)}: {'fuzzy' if e.fuzzy else 'not translated'}"
        for e in entries()
        if e.fuzzy or not all(text.strip() for text in translations(e))
    ]
    assert not problems, "\n".join(problems)


def test_no_spanish_message_is_the_english_copied():
    copied = [
        where(e) for e in entries() if ENGLISH_PHRASE.search(e.msgid) and e.msgid in translations(e)
    ]
    assert not copied, "\n".join(copied)


def test_translations_keep_the_placeholders_and_html_tags_of_their_english():
    problems = []
    for e in entries():
        wanted = set(PLACEHOLDER.findall(e.msgid)) | set(PLACEHOLDER.findall(e.msgid_plural))
        for text in translations(e):
            unknown = set(PLACEHOLDER.findall(text)) - wanted
            lost = set(PLACEHOLDER.findall(e.msgid)) - set(PLACEHOLDER.findall(text))
            # A plural's singular may say "one" instead of its number.
            lost -= {"%(counter)s", "%(count)s"} if e.msgid_plural else set()
            if unknown or lost:
                problems.append(f"{where(e)}: placeholders {sorted(unknown | lost)} differ")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(e.msgid)):
                problems.append(f"{where(e)}: HTML tags differ in {text[:70]!r}")
    assert not problems, "\n".join(problems)


def test_the_catalogue_holds_every_message_the_code_marks(tmp_path):
    """makemessages, run on a copy of the sources, finds no message the catalogue lacks and
    none it holds that the code no longer uses."""
    copy = tmp_path / "sources"
    for folder in SOURCE_FOLDERS:
        shutil.copytree(
            Path(settings.BASE_DIR) / folder,
            copy / folder,
            ignore=shutil.ignore_patterns("__pycache__", "static", "migrations"),
        )
    (copy / "locale" / "es" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOGUE, copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--locale", "es", "--verbosity", "0"],
        cwd=copy,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "eupsite.settings.test"},
    )
    marked = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
        if not e.obsolete
    }
    held = {(e.msgctxt, e.msgid) for e in entries()}
    assert not marked - held, (
        "Messages marked in the code but missing from locale/es (run `make messages-update` "
        f"and translate them): {sorted(m for _, m in marked - held)}"
    )
    assert not held - marked, (
        "Messages in locale/es that the code no longer marks (run `make messages-update`): "
        f"{sorted(m for _, m in held - marked)}"
    )


@pytest.mark.parametrize("text", ["Sign in", "Skip to content"])
def test_the_compiled_catalogue_is_the_one_in_git(text):
    from django.utils import translation

    expected = next(e.msgstr for e in entries() if e.msgid == text)
    with translation.override("es"):
        assert translation.gettext(text) == expected
