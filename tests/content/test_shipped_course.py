"""The course as shipped in content/ keeps the rules of a fair, faithful course: these tests
read the committed files, so a content change that breaks a rule fails here."""

import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from training.content import SLIDE_QUOTE_FIELD, slide_words
from training.policies import (
    link_phrase,
    located_phrase,
    normalised,
    policy_blocks,
    quote_fragments,
)

ONE_ANSWER = ("single_choice", "scenario")
# Behaviours the content review found untaught or unquizzed: each needs a question, by tag.
COVERAGE_TAGS = {
    # 003, the district's student data page: what staff must do
    "student-data-no-apps-without-contract",
    "student-data-contractor-access",
    "student-data-parental-consent",
    "student-data-ferpa-consent",
    # 004, Policy 4012
    "texting-students",
    "personal-account-investigations",
    "unauthorized-access",
    "harassing-messages",
    "misuse-may-be-a-crime",
    # 002, the district's slide deck
    "sexual-content-posting",
    "drugs-alcohol-posting",
    "inappropriate-communication-students",
    "knowingly-violate-laws",
    "higher-duty-of-care",
}
TRIVIA = re.compile(r"§|Stat\.|Public Act|which (document|policy)|statute|according to", re.I)
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def _questions(spec):
    return [q for section in spec.sections for q in section.questions]


def _sources(slide) -> list[dict]:
    return slide["source"] if isinstance(slide["source"], list) else [slide["source"]]


def _policy_texts(spec) -> dict[str, str]:
    return {name: normalised(text) for name, text in spec.policy_texts.items()}


def test_every_section_draws_at_least_five_from_a_bank_three_times_as_large(course_spec):
    for section in course_spec.sections:
        drawn = section.quiz["questions_per_attempt"]
        assert drawn >= 5, section.slug
        assert len(section.questions) >= 3 * drawn, section.slug


def test_most_questions_are_scenarios_and_none_is_trivia(course_spec):
    questions = _questions(course_spec)
    scenarios = [q for q in questions if q["type"] == "scenario"]
    assert len(scenarios) >= 0.6 * len(questions)
    for question in questions:
        asked = f"{question.get('scenario', '')} {question['prompt']}"
        assert not TRIVIA.search(asked), question["id"]


def test_the_keyed_option_is_the_longest_in_at_most_a_third_of_one_answer_questions(course_spec):
    one_answer = [q for q in _questions(course_spec) if q["type"] in ONE_ANSWER]
    longest = 0
    for question in one_answer:
        keyed = [len(c["text"]) for c in question["choices"] if c["correct"]]
        others = [len(c["text"]) for c in question["choices"] if not c["correct"]]
        longest += keyed[0] > max(others)
    assert longest * 3 <= len(one_answer), f"{longest} of {len(one_answer)}"


def test_multiple_response_questions_vary_their_number_of_keyed_options(course_spec):
    counts = Counter(
        sum(c["correct"] for c in q["choices"])
        for q in _questions(course_spec)
        if q["type"] == "multiple_response"
    )
    assert len(counts) >= 3, counts
    # No single count gives itself away.
    assert max(counts.values()) <= 0.6 * sum(counts.values()), counts


def test_every_behaviour_on_the_coverage_list_has_a_question(course_spec):
    tags = {tag for q in _questions(course_spec) for tag in q.get("tags", [])}
    assert COVERAGE_TAGS <= tags, COVERAGE_TAGS - tags


def test_question_keys_are_unique_across_the_course(course_spec):
    keys = [q["id"] for q in _questions(course_spec)]
    assert len(set(keys)) == len(keys)


def test_each_section_has_a_worked_example_and_ends_with_its_key_points(course_spec):
    for section in course_spec.sections:
        kinds = [slide["type"] for slide in section.slides]
        assert "example" in kinds, section.slug
        assert kinds[-1] == "key_points", section.slug


def test_the_slides_are_short_enough_to_read(course_spec):
    figures = course_spec.figures()
    assert figures["words"] <= 3000
    for section in course_spec.sections:
        for number, slide in enumerate(section.slides, start=1):
            assert slide_words(slide) <= 80, (section.slug, number)
            if slide["type"] == "rule":
                assert len(slide["text"].split()) <= 60, (section.slug, number)


def test_every_quotation_is_the_policys_own_words(course_spec):
    texts = _policy_texts(course_spec)
    for section in course_spec.sections:
        for number, slide in enumerate(section.slides, start=1):
            field = SLIDE_QUOTE_FIELD.get(slide["type"])
            if not field:
                continue
            documents = [texts[s["document"]] for s in _sources(slide)]
            for fragment in quote_fragments(slide[field]):
                assert any(normalised(fragment) in text for text in documents), (
                    section.slug,
                    number,
                    fragment,
                )


def _links_land(spec, source: dict, quote: str) -> bool:
    phrase = link_phrase(located_phrase(source, quote)).casefold()
    blocks = policy_blocks(spec.policy_texts[source["document"]])
    return bool(phrase) and any(phrase in block.text.casefold() for block in blocks)


def test_every_source_link_lands_on_its_passage(course_spec):
    """Each "Source:" opens the policy at words found, as written, within one paragraph."""
    for section in course_spec.sections:
        for number, slide in enumerate(section.slides, start=1):
            quote = slide.get(SLIDE_QUOTE_FIELD.get(slide["type"], ""), "")
            for source in _sources(slide):
                assert _links_land(course_spec, source, quote), (section.slug, number, source)
        for question in section.questions:
            if question["source"].get("at"):
                assert _links_land(course_spec, question["source"], ""), question["id"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are beside the project")
def test_the_policy_texts_are_the_source_documents_words(course_spec):
    for filename, text in course_spec.policy_texts.items():
        seed = (SEEDS / filename).read_text(encoding="utf-8")
        # Markup of the extraction, not words: emphasis and links.
        seed = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", re.sub(r"\*+", "", seed))
        # A word the PDF broke over two lines is one word ("e-" + "mail").
        seed = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1-\2", seed)
        seed = normalised(seed.replace("Page 5 of 30", ""))
        for block in policy_blocks(text):
            assert normalised(block.text) in seed or block.kind == "title", (filename, block)
