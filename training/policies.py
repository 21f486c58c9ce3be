"""The full text of the source policies, as the Policies page shows it, and links from a slide's
or question's "Source:" to the passage on that page.

A policy's text is kept in content/policies/<file stem>.md in a small subset of Markdown:
`# Title`, `## Heading`, paragraphs separated by a blank line, and `- ` bullets (two spaces more
for each level of nesting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse

_BULLET = re.compile(r"^(?P<indent> *)- (?P<text>.+)$")

# How many of a passage's first words the link searches for: enough to be unique in a policy,
# few enough to stay inside one paragraph.
LINK_WORDS = 8


@dataclass(frozen=True)
class PolicyBlock:
    kind: str  # "title", "heading", "paragraph" or "bullet"
    text: str
    level: int = 0


def policy_blocks(text: str) -> list[PolicyBlock]:
    """The policy's text as title, headings, paragraphs and bullets, in order."""
    blocks: list[PolicyBlock] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        for line in chunk.splitlines():
            if not line.strip():
                continue
            if line.startswith("# "):
                blocks.append(PolicyBlock("title", line[2:].strip()))
            elif line.startswith("## "):
                blocks.append(PolicyBlock("heading", line[3:].strip()))
            elif match := _BULLET.match(line):
                level = len(match["indent"]) // 2
                blocks.append(PolicyBlock("bullet", match["text"].strip(), level))
            elif blocks and blocks[-1].kind == "paragraph" and not chunk.startswith(line):
                # A paragraph wrapped over several lines is one paragraph.
                last = blocks.pop()
                blocks.append(PolicyBlock("paragraph", f"{last.text} {line.strip()}"))
            else:
                blocks.append(PolicyBlock("paragraph", line.strip()))
    return blocks


def policy_sections(blocks: list[PolicyBlock]) -> list[dict]:
    """The blocks as the page lays them out: consecutive bullets grouped into one list."""
    laid_out: list[dict] = []
    for number, block in enumerate(blocks, start=1):
        if block.kind == "bullet":
            if not laid_out or laid_out[-1]["kind"] != "list":
                laid_out.append({"kind": "list", "items": []})
            laid_out[-1]["items"].append({"block": block, "number": number})
        else:
            laid_out.append({"kind": block.kind, "block": block, "number": number})
    return laid_out


def normalised(text: str) -> str:
    """Text compared for quoting: runs of white space as one space, curly quotes as straight."""
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("\u00a0", " ")):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def quote_fragments(quote: str) -> list[str]:
    """The separately quoted pieces of a quotation: "…" marks what was left out."""
    return [piece.strip() for piece in re.split(r"…|\.\.\.", quote) if piece.strip()]


def link_phrase(phrase: str) -> str:
    """The first words of a passage, without the punctuation around them, spelled as the
    policy spells them (the browser looks for exactly these characters)."""
    words = phrase.split()[:LINK_WORDS]
    return " ".join(words).strip(" \"'.,;:()[]-–—•")


def passage_url(*, slug: str, phrase: str) -> str:
    """The policy's page, opened at `phrase` (a text fragment: the browser scrolls to the words
    and highlights them; a browser without text fragments opens the top of the policy)."""
    url = reverse("policies:document", args=[slug])
    phrase = link_phrase(phrase) if phrase else ""
    if not phrase:
        return url
    return f"{url}#:~:text={quote(phrase, safe='')}"


def located_phrase(source: dict, quote_text: str = "") -> str:
    """Where a source's link points: its own `at` words, else the first words the slide quotes."""
    if source.get("at"):
        return source["at"]
    fragments = quote_fragments(quote_text) if quote_text else []
    return fragments[0] if fragments else ""


def quoted_from(quote_text: str, document_text: str) -> str:
    """The first fragment of a quotation that comes from this document ("" if none does):
    where the link to that document points when its source names no `at`."""
    text = normalised(document_text)
    return next(
        (f for f in quote_fragments(quote_text) if normalised(f) in text),
        "",
    )
