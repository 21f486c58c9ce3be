"""Reading and writing the course's source files in content/.

Layout:
    content/course.yaml                 title, slug, summary, source documents
    content/sections/NN-slug.yaml       one section: title, summary, slides, questions
    content/images/                     image files that image slides name

Every problem is reported as a ContentError naming the file, the line and the key, so an
editor can fix the file without reading Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

SECTION_FILE_RE = re.compile(r"^(?P<order>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")


class ContentError(Exception):
    """A content file that cannot be loaded: where it is wrong and what is wrong."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None, key: str = ""):
        self.path = str(path)
        self.line = line
        self.key = key
        self.message = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if key:
            where += f", {key}"
        super().__init__(f"{where}: {message}")


class _Mapping(dict):
    """A YAML mapping that remembers the line it and each of its keys started on."""

    line: int = 0
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise ContentError(
                loader.name, f'the key "{key}" appears twice', line=key_node.start_mark.line + 1
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"the file is not UTF-8 text ({exc.reason})") from exc
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError(
            path, f"not valid YAML: {exc.problem or exc.context}", line=line
        ) from exc
    finally:
        loader.dispose()


# --- validation -------------------------------------------------------------------------


class _Reader:
    """Checks one file's data against the schema, with file/line/key in every message."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, message: str, *, container: Any = None, key: str = "", path: str = ""):
        line = None
        if isinstance(container, _Mapping):
            line = container.key_lines.get(key.split(".")[-1], container.line) if key else None
            line = line or container.line
        raise ContentError(self.path, message, line=line, key=path)

    def mapping(self, value: Any, *, path: str, allowed: set[str], required: set[str]) -> _Mapping:
        if not isinstance(value, dict):
            self.fail(f"expected a mapping of keys, found {_kind(value)}", path=path)
        unknown = sorted(set(value) - allowed)
        if unknown:
            self.fail(
                f'unknown key "{unknown[0]}"; allowed keys are: {", ".join(sorted(allowed))}',
                container=value,
                key=str(unknown[0]),
                path=_join(path, str(unknown[0])),
            )
        missing = sorted(required - set(value))
        if missing:
            self.fail(f'missing required key "{missing[0]}"', container=value, path=path)
        return value

    def text(self, mapping: _Mapping, key: str, *, path: str, optional: bool = False) -> str:
        value = mapping.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or (not value.strip() and not optional):
            self.fail(
                f"expected non-empty text, found {_kind(value)}",
                container=mapping,
                key=key,
                path=_join(path, key),
            )
        return value.strip()

    def boolean(self, mapping: _Mapping, key: str, *, path: str) -> bool:
        value = mapping.get(key)
        if not isinstance(value, bool):
            self.fail(
                f"expected true or false, found {_kind(value)}",
                container=mapping,
                key=key,
                path=_join(path, key),
            )
        return value

    def items(self, mapping: _Mapping, key: str, *, path: str, minimum: int = 1) -> list:
        value = mapping.get(key)
        if not isinstance(value, list) or len(value) < minimum:
            self.fail(
                f"expected a list of at least {minimum} item(s), found {_kind(value)}",
                container=mapping,
                key=key,
                path=_join(path, key),
            )
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f'text "{value[:40]}"'
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --- the specification of a course ------------------------------------------------------

SLIDE_FIELDS: dict[str, dict[str, bool]] = {
    # slide type -> {field: required}
    "bullets": {"heading": True, "bullets": True},
    "callout": {"heading": True, "text": True},
    "quote": {"text": True, "attribution": True, "citation": False},
    "image": {"heading": True, "image": True, "alt": True, "caption": False},
    # A rule in plain words, with the policy's own words as its evidence.
    "rule": {"heading": True, "text": True, "quote": True},
    # A short workplace situation and what the policy says to do.
    "example": {"heading": True, "situation": True, "answer": True},
    # The section's summary: its last slide.
    "key_points": {"heading": True, "bullets": True},
}

# Where the policy's own words are on a slide of each type (checked verbatim by the tests).
SLIDE_QUOTE_FIELD = {"quote": "text", "rule": "quote"}


# The fields of a slide a learner reads (its source line aside).
SLIDE_TEXT_FIELDS = (
    "heading",
    "text",
    "quote",
    "situation",
    "answer",
    "attribution",
    "citation",
    "caption",
)
# Reading speed for the course's length in minutes: a careful reader of policy text.
WORDS_PER_MINUTE = 150


def slide_words(slide: dict) -> int:
    """How many words a learner reads on a slide."""
    texts = [slide.get(name) or "" for name in SLIDE_TEXT_FIELDS]
    texts += slide.get("bullets") or []
    return sum(len(text.split()) for text in texts)


@dataclass
class SectionSpec:
    order: int
    slug: str
    title: str
    summary: str
    slides: list[dict]
    questions: list[dict] = field(default_factory=list)
    quiz: dict = field(default_factory=dict)
    path: Path | None = None

    def as_dict(self) -> dict:
        """The section as plain data, the same shape export writes and load compares."""
        data = {"title": self.title, "summary": self.summary, "slides": self.slides}
        if self.quiz:
            data["quiz"] = self.quiz
        if self.questions:
            data["questions"] = self.questions
        return data


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    sources: list[dict]
    sections: list[SectionSpec]
    content_dir: Path | None = None
    policy_texts: dict[str, str] = field(default_factory=dict)
    # The acknowledgement's versions, oldest first (content/acknowledgement/N.yaml).
    policy_versions: list[dict] = field(default_factory=list)
    # Job titles the course is first assigned to (course.yaml's assign_to); empty: everyone.
    # Used when the course is created; afterwards the admin's assignment rules decide.
    assign_to: list[str] = field(default_factory=list)
    # {language: {English text: translation}} from content/translations/ (translation_files).
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    # What a translator should settle in those catalogues (translation_files.CatalogueNote).
    translation_notes: list = field(default_factory=list)

    def figures(self) -> dict:
        """Slides, words on them, questions, and minutes to read the slides."""
        slides = [slide for section in self.sections for slide in section.slides]
        words = sum(slide_words(slide) for slide in slides)
        return {
            "sections": len(self.sections),
            "slides": len(slides),
            "words": words,
            "longest_slide_words": max((slide_words(s) for s in slides), default=0),
            "questions": sum(len(section.questions) for section in self.sections),
            "reading_minutes": round(words / WORDS_PER_MINUTE),
        }

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "sources": self.sources,
            "sections": [{"slug": s.slug, **s.as_dict()} for s in self.sections],
            "policies": self.policy_texts,
            "acknowledgement": self.policy_versions,
            "translations": self.translations,
        }


def read_course(content_dir: Path) -> CourseSpec:
    """Parse and check every file of the course. Raises ContentError on the first problem."""
    content_dir = Path(content_dir)
    course_file = content_dir / "course.yaml"
    if not course_file.is_file():
        raise ContentError(course_file, "the course file is missing")
    reader = _Reader(course_file)
    data = reader.mapping(
        read_yaml(course_file),
        path="",
        allowed={"title", "slug", "summary", "sources", "assign_to"},
        required={"title", "slug", "sources"},
    )
    assign_to = []
    if "assign_to" in data:
        for i, item in enumerate(reader.items(data, "assign_to", path="")):
            where = f"assign_to[{i}]"
            item = reader.mapping(item, path=where, allowed={"job_title"}, required={"job_title"})
            assign_to.append(reader.text(item, "job_title", path=where))
    slug = reader.text(data, "slug", path="")
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        reader.fail(
            "the slug may hold only lower-case letters, digits and hyphens",
            container=data,
            key="slug",
            path="slug",
        )
    sources = []
    for i, item in enumerate(reader.items(data, "sources", path="")):
        where = f"sources[{i}]"
        item = reader.mapping(
            item, path=where, allowed={"file", "title", "origin"}, required={"file", "title"}
        )
        source = {
            "file": reader.text(item, "file", path=where),
            "title": reader.text(item, "title", path=where),
        }
        if origin := reader.text(item, "origin", path=where, optional=True):
            source["origin"] = origin
        sources.append(source)
    known_documents = {s["file"] for s in sources}

    sections_dir = content_dir / "sections"
    files = sorted(sections_dir.glob("*.yaml")) if sections_dir.is_dir() else []
    if not files:
        raise ContentError(sections_dir, "no section files (NN-slug.yaml) found")
    sections = []
    seen_orders: dict[int, Path] = {}
    seen_slugs: dict[str, Path] = {}
    question_keys: dict[str, str] = {}
    for path in files:
        match = SECTION_FILE_RE.match(path.name)
        if not match:
            raise ContentError(
                path,
                "a section file is named NN-slug.yaml (two digits, a hyphen, then lower-case "
                "letters, digits and hyphens), e.g. 03-email.yaml",
            )
        order = int(match["order"])
        if order in seen_orders:
            raise ContentError(
                path, f"the number {match['order']} is used by {seen_orders[order].name} too"
            )
        seen_orders[order] = path
        if match["slug"] in seen_slugs:
            raise ContentError(
                path, f'the slug "{match["slug"]}" is used by {seen_slugs[match["slug"]].name} too'
            )
        seen_slugs[match["slug"]] = path
        sections.append(
            read_section(
                path,
                order=order,
                slug=match["slug"],
                documents=known_documents,
                question_keys=question_keys,
            )
        )
    versions = read_policy_versions(content_dir, documents=known_documents)
    spec = CourseSpec(
        slug=slug,
        title=reader.text(data, "title", path=""),
        summary=reader.text(data, "summary", path="", optional=True),
        sources=sources,
        sections=sections,
        content_dir=content_dir,
        policy_texts=read_policy_texts(content_dir, sources),
        policy_versions=versions,
        assign_to=assign_to,
    )
    from .translation_files import read_catalogues, translation_languages

    spec.translations = {
        language: read_catalogues(spec, content_dir, language, notes=spec.translation_notes)
        for language in translation_languages(content_dir)
    }
    return spec


ACKNOWLEDGEMENT_DIR = "acknowledgement"
_VERSION_KEYS = {
    "version": True,
    "effective": True,
    "title": True,
    "paragraphs": True,
    "source": True,
    "party": False,
    "policies": False,
    "summary": False,
    "material": False,
    "sections_changed": False,
}


def read_policy_versions(content_dir: Path, *, documents: set[str]) -> list[dict]:
    """Each version of the acknowledgement, from content/acknowledgement/N.yaml, oldest first."""
    folder = Path(content_dir) / ACKNOWLEDGEMENT_DIR
    versions = []
    for path in sorted(folder.glob("*.yaml"), key=lambda p: (len(p.stem), p.stem)):
        reader = _Reader(path)
        data = reader.mapping(
            read_yaml(path),
            path="",
            allowed=set(_VERSION_KEYS),
            required={k for k, required in _VERSION_KEYS.items() if required},
        )
        number = data["version"]
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            reader.fail("the version is a whole number from 1", container=data, key="version")
        if path.stem != str(number):
            reader.fail(f"version {number} belongs in {number}.yaml", container=data, key="version")
        if not isinstance(data["effective"], date):
            reader.fail("the date it takes effect, as YYYY-MM-DD", container=data, key="effective")
        paragraphs = [" ".join(str(p).split()) for p in reader.items(data, "paragraphs", path="")]
        policies = data.get("policies") or []
        unknown = [p for p in policies if p not in documents]
        if unknown:
            reader.fail(
                f'unknown policy "{unknown[0]}"; list it under "sources" in course.yaml',
                container=data,
                key="policies",
                path="policies",
            )
        material = data.get("material", True)
        if not isinstance(material, bool):
            reader.fail("expected true or false", container=data, key="material")
        changed = data.get("sections_changed") or []
        if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
            reader.fail(
                "sections_changed is a list of section slugs, e.g. [email, internet]",
                container=data,
                key="sections_changed",
            )
        versions.append(
            {
                "version": number,
                "effective": data["effective"],
                "title": reader.text(data, "title", path=""),
                "party": reader.text(data, "party", path="", optional=True),
                "policies": list(policies),
                "summary": reader.text(data, "summary", path="", optional=True),
                "material": material,
                "source": read_source(reader, data, path="", documents=documents),
                "sections_changed": list(changed),
                "paragraphs": paragraphs,
            }
        )
    return versions


def policy_text_path(content_dir: Path, filename: str) -> Path:
    return Path(content_dir) / "policies" / f"{Path(filename).stem}.md"


def read_policy_texts(content_dir: Path, sources: list[dict]) -> dict[str, str]:
    """{file name: text} of each source's full text in content/policies/, where there is one."""
    texts = {}
    for source in sources:
        path = policy_text_path(content_dir, source["file"])
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(path, f"the file is not UTF-8 text ({exc.reason})") from exc
        if not text.strip():
            raise ContentError(path, "the policy text is empty")
        texts[source["file"]] = text.strip() + "\n"
    return texts


# Hook name: the app that quizzes sections (quizzes) registers fn() -> its part of the course
# content (a QuizContent: it reads, syncs and exports each section's "quiz" and "questions");
# training never imports it.
QUIZ_CONTENT_HOOK = "training_quiz_content"


def quiz_content():
    """The registered QuizContent, or None when no installed app quizzes sections."""
    from wagtail import hooks

    for provider in hooks.get_hooks(QUIZ_CONTENT_HOOK):
        return provider()
    return None


def read_section(
    path: Path,
    *,
    order: int,
    slug: str,
    documents: set[str],
    question_keys: dict[str, str] | None = None,
) -> SectionSpec:
    quiz_part = quiz_content()
    reader = _Reader(path)
    data = reader.mapping(
        read_yaml(path),
        path="",
        allowed={"title", "summary", "slides"} | ({"quiz", "questions"} if quiz_part else set()),
        required={"title", "slides"},
    )
    slides = [
        _read_slide(reader, slide, path=f"slides[{i}]", documents=documents)
        for i, slide in enumerate(reader.items(data, "slides", path=""))
    ]
    quiz, questions = {}, []
    if quiz_part is not None:
        quiz, questions = quiz_part.read(
            reader,
            data,
            documents=documents,
            question_keys=question_keys if question_keys is not None else {},
        )
    return SectionSpec(
        order=order,
        slug=slug,
        title=reader.text(data, "title", path=""),
        summary=reader.text(data, "summary", path="", optional=True),
        slides=slides,
        questions=questions,
        quiz=quiz,
        path=path,
    )


def read_source(reader: _Reader, mapping: _Mapping, *, path: str, documents: set[str]) -> dict:
    where = _join(path, "source")
    if "source" not in mapping:
        reader.fail(
            'missing required key "source" (the document and passage this teaches)',
            container=mapping,
            path=path,
        )
    return _read_one_source(reader, mapping["source"], path=where, documents=documents)


def read_slide_sources(
    reader: _Reader, mapping: _Mapping, *, path: str, documents: set[str]
) -> dict | list[dict]:
    """A slide's source: one mapping, or a list of them when the slide quotes several
    documents (every document it quotes is named)."""
    value = mapping.get("source")
    if not isinstance(value, list):
        return read_source(reader, mapping, path=path, documents=documents)
    where = _join(path, "source")
    if not value:
        reader.fail("expected at least one source", container=mapping, key="source", path=where)
    sources = [
        _read_one_source(reader, item, path=f"{where}[{i}]", documents=documents)
        for i, item in enumerate(value)
    ]
    return sources[0] if len(sources) == 1 else sources


def _read_one_source(reader: _Reader, value: Any, *, path: str, documents: set[str]) -> dict:
    where = path
    source = reader.mapping(
        value,
        path=where,
        allowed={"document", "passage", "at"},
        required={"document", "passage"},
    )
    document = reader.text(source, "document", path=where)
    if document not in documents:
        reader.fail(
            f'unknown source document "{document}"; list it under "sources" in course.yaml '
            f"or use one of: {', '.join(sorted(documents))}",
            container=source,
            key="document",
            path=_join(where, "document"),
        )
    result = {"document": document, "passage": reader.text(source, "passage", path=where)}
    # A short phrase of the document that locates the passage on the Policies page.
    at = reader.text(source, "at", path=where, optional=True)
    if at:
        result["at"] = at
    return result


def _read_slide(reader: _Reader, slide: Any, *, path: str, documents: set[str]) -> dict:
    if not isinstance(slide, dict) or "type" not in slide:
        reader.fail('each slide is a mapping that starts with "type"', path=path)
    kind = slide["type"]
    if not isinstance(kind, str) or kind not in SLIDE_FIELDS:
        reader.fail(
            f'unknown slide type "{kind}"; use one of: {", ".join(SLIDE_FIELDS)}',
            container=slide,
            key="type",
            path=_join(path, "type"),
        )
    fields = SLIDE_FIELDS[kind]
    reader.mapping(
        slide,
        path=path,
        allowed={"type", "source", *fields},
        required={"type", "source", *(f for f, req in fields.items() if req)},
    )
    result: dict[str, Any] = {"type": kind}
    for name, required in fields.items():
        if name == "bullets":
            bullets = reader.items(slide, "bullets", path=path)
            for j, bullet in enumerate(bullets):
                if not isinstance(bullet, str) or not bullet.strip():
                    reader.fail(
                        f"expected non-empty text, found {_kind(bullet)}",
                        container=slide,
                        key="bullets",
                        path=f"{path}.bullets[{j}]",
                    )
            result["bullets"] = [b.strip() for b in bullets]
        else:
            value = reader.text(slide, name, path=path, optional=not required)
            if value or required:
                result[name] = value
    result["source"] = read_slide_sources(reader, slide, path=path, documents=documents)
    return result


# --- writing ----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=96,
        default_flow_style=False,
    )


def write_course(spec: CourseSpec, content_dir: Path) -> list[Path]:
    """Write the course files in the layout read_course reads. Returns the files written."""
    content_dir = Path(content_dir)
    sections_dir = content_dir / "sections"
    sections_dir.mkdir(parents=True, exist_ok=True)
    written = []
    course_file = content_dir / "course.yaml"
    course_data = {
        "title": spec.title,
        "slug": spec.slug,
        "summary": spec.summary,
        "sources": spec.sources,
    }
    course_file.write_text(dump_yaml(course_data), encoding="utf-8")
    written.append(course_file)
    keep = set()
    for filename, text in spec.policy_texts.items():
        path = policy_text_path(content_dir, filename)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for version in spec.policy_versions:
        path = content_dir / ACKNOWLEDGEMENT_DIR / f"{version['version']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(version), encoding="utf-8")
        written.append(path)
    for section in spec.sections:
        path = sections_dir / f"{section.order:02d}-{section.slug}.yaml"
        path.write_text(dump_yaml(section.as_dict()), encoding="utf-8")
        keep.add(path)
        written.append(path)
    for stale in sections_dir.glob("*.yaml"):
        if stale not in keep:
            stale.unlink()
    from .translation_files import write_catalogues

    for language, translations in spec.translations.items():
        written += write_catalogues(spec, content_dir, language=language, translations=translations)
    return written
