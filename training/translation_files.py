"""The course's translations as files: one gettext catalogue (.po) per course file, under
content/translations/<language>/, beside the English they translate.

Every text a learner reads (titles, summaries, slides, questions, choices, explanations, the
acknowledgement and the full policies) is one message: its msgid is the English, its msgstr
the translation. Translators work in any PO editor, as they do for the interface's catalogue
in locale/; `export_course` adds new English texts (empty) and drops texts no longer in the
course; `load_course` reads them back into a new, unreviewed translation version.

The policy's own words stay in English on every page (the English governs); a quote's
translation is shown beneath them. Names (of documents, passages and organisations) are not
messages: they stay as the English documents give them.
"""

from dataclasses import dataclass
from pathlib import Path

import polib

from .content import ContentError, CourseSpec
from .policies import policy_blocks

TRANSLATIONS_DIR = "translations"

# The fields of a section's slides and questions a learner reads, in the order a translator
# meets them. Sources, citations and attributions name English documents and stay as they are.
_SECTION_TEXT_FIELDS = (
    "title",
    "summary",
    "heading",
    "text",
    "quote",
    "situation",
    "answer",
    "bullets",
    "alt",
    "caption",
    "scenario",
    "prompt",
    "choices",
    "explanation",
)
_NOT_TEXT = {"source", "more_sources", "attribution", "citation", "image", "id", "type", "tags"}

QUOTE_COMMENT = "The policy's own words: shown in English, with this translation beneath them."


@dataclass(frozen=True)
class Message:
    msgid: str
    where: str  # e.g. slides[3].quote: what a translator needs to find it in the English file
    is_quote: bool = False


@dataclass(frozen=True)
class CatalogueFile:
    """One catalogue: which course file it translates and the English messages in it."""

    name: str  # relative to content/translations/<language>/, e.g. sections/01-email.po
    english_file: str  # relative to the content folder
    messages: list[Message]


def _section_messages(data, where: str = "") -> list[Message]:
    found = []
    if isinstance(data, str):
        if data.strip():
            found.append(Message(data, where, is_quote=where.endswith(".quote")))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found += _section_messages(item, f"{where}[{i}]")
    elif isinstance(data, dict):
        fields = [k for k in _SECTION_TEXT_FIELDS if k in data]
        if "correct" in data:
            fields = ["text"]  # a choice
        for key in fields:
            if key in _NOT_TEXT:
                continue
            found += _section_messages(data[key], f"{where}.{key}" if where else key)
        for key in ("slides", "questions"):
            if key in data:
                found += _section_messages(data[key], f"{where}.{key}" if where else key)
    return found


def course_catalogue_files(spec: CourseSpec) -> list[CatalogueFile]:
    """The catalogues of a course, each with the English messages it holds, in course order."""
    files = [
        CatalogueFile(
            "course.po",
            "course.yaml",
            [Message(spec.title, "title")]
            + ([Message(spec.summary, "summary")] if spec.summary else []),
        )
    ]
    for section in spec.sections:
        stem = f"{section.order:02d}-{section.slug}"
        data = {
            "title": section.title,
            "summary": section.summary,
            "slides": section.slides,
            "questions": section.questions,
        }
        files.append(
            CatalogueFile(f"sections/{stem}.po", f"sections/{stem}.yaml", _section_messages(data))
        )
    for version in spec.policy_versions:
        number = version["version"]
        messages = [Message(version["title"], "title")]
        messages += [
            Message(text, f"paragraphs[{i}]") for i, text in enumerate(version["paragraphs"])
        ]
        files.append(
            CatalogueFile(
                f"acknowledgement/{number}.po", f"acknowledgement/{number}.yaml", messages
            )
        )
    for filename, text in spec.policy_texts.items():
        stem = Path(filename).stem
        messages = [
            Message(block.text, f"{block.kind} {n}")
            for n, block in enumerate(policy_blocks(text), start=1)
        ]
        files.append(CatalogueFile(f"policies/{stem}.po", f"policies/{stem}.md", messages))
    return files


def english_messages(spec: CourseSpec) -> set[str]:
    return {m.msgid for f in course_catalogue_files(spec) for m in f.messages}


def catalogue_folder(content_dir: Path, language: str) -> Path:
    return Path(content_dir) / TRANSLATIONS_DIR / language


def translation_languages(content_dir: Path) -> list[str]:
    """The languages the content folder has catalogues for (its translations/ sub-folders)."""
    folder = Path(content_dir) / TRANSLATIONS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.rglob("*.po")))


@dataclass(frozen=True)
class CatalogueNote:
    """Something in a catalogue a translator should settle; loading goes on without it."""

    where: str  # file and line
    problem: str
    msgid: str

    def __str__(self):
        return f'{self.where}: {self.problem} ("{self.msgid[:60]}")'


STALE = "the English text is no longer in the course, so this translation is not used"
CONFLICT = "translated differently from the first place this English text appears"


def read_catalogues(
    spec: CourseSpec, content_dir: Path, language: str, *, notes: list | None = None
) -> dict[str, str]:
    """{English: translation} from the language's catalogues; empty and fuzzy messages are
    left out (shown in English until translated). Raises ContentError, naming the file, for a
    catalogue that cannot be read.

    A translation whose English the course no longer has (the English was edited) is not
    used; `export_course` drops it and adds the new English. The same English in two files (a
    slide quoting a policy) is shown with the first translation in course order. `notes`, when
    given, collects both, for load_course to print and the catalogue test to refuse."""
    folder = catalogue_folder(content_dir, language)
    notes = notes if notes is not None else []
    known = english_messages(spec)
    translated: dict[str, str] = {}
    in_course_order = [folder / f.name for f in course_catalogue_files(spec)]
    others = sorted(set(folder.rglob("*.po")) - set(in_course_order))
    for path in [p for p in in_course_order if p.is_file()] + others:
        try:
            catalogue = polib.pofile(str(path), encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise ContentError(path, f"not a gettext catalogue that can be read: {exc}") from exc
        for entry in catalogue:
            if entry.obsolete or not entry.msgstr.strip() or entry.fuzzy:
                continue
            where = f"{path.relative_to(folder.parent)}, line {entry.linenum}"
            if entry.msgid not in known:
                notes.append(CatalogueNote(where, STALE, entry.msgid))
            elif entry.msgid not in translated:
                translated[entry.msgid] = entry.msgstr
            elif translated[entry.msgid] != entry.msgstr:
                notes.append(CatalogueNote(where, CONFLICT, entry.msgid))
    return translated


def write_catalogues(
    spec: CourseSpec, content_dir: Path, *, language: str, translations: dict[str, str]
) -> list[Path]:
    """Write the language's catalogues: every English message of the course, translated where
    `translations` has it. Catalogues of files the course no longer has are removed."""
    folder = catalogue_folder(content_dir, language)
    written = []
    for catalogue_file in course_catalogue_files(spec):
        catalogue = polib.POFile(wrapwidth=96)
        catalogue.metadata = {
            "Project-Id-Version": spec.slug,
            "Language": language,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
        }
        catalogue.header = f"Translation of content/{catalogue_file.english_file}."
        seen = set()
        for message in catalogue_file.messages:
            if message.msgid in seen:
                continue
            seen.add(message.msgid)
            comment = message.where + (f"\n{QUOTE_COMMENT}" if message.is_quote else "")
            catalogue.append(
                polib.POEntry(
                    msgid=message.msgid,
                    msgstr=translations.get(message.msgid, ""),
                    comment=comment,
                )
            )
        path = folder / catalogue_file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(catalogue) + "\n", encoding="utf-8")
        written.append(path)
    for stale in folder.rglob("*.po"):
        if stale not in written:
            stale.unlink()
    return written
