from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """Look a key up in a dict from a template: {{ titles|get_item:name }}."""
    return mapping.get(key) if mapping else None


@register.simple_tag
def source_links(value, documents: dict, quote_field: str = "") -> list[dict]:
    """The "Source:" entries of a slide (its source and any further ones) or of a question's
    shown copy, each with the link to the passage on the Policies page.

    `documents` is {file name: {"title", "slug"}}; `quote_field` names the field holding the
    policy's own words on this kind of slide, whose first words locate the passage when the
    source gives no `at`.
    """
    from training.content import SLIDE_QUOTE_FIELD
    from training.policies import located_phrase, passage_url

    value = value or {}
    sources = [value.get("source")] if "source" in value else [value]
    sources += list(value.get("more_sources") or [])
    quote_field = quote_field or ""
    quote_text = value.get(SLIDE_QUOTE_FIELD.get(quote_field, ""), "") if quote_field else ""
    links = []
    for source in sources:
        if not source:
            continue
        document = (documents or {}).get(source["document"]) or {}
        url = None
        if document.get("slug"):
            url = passage_url(slug=document["slug"], phrase=located_phrase(source, quote_text))
        links.append(
            {
                "title": document.get("title") or source["document"],
                "passage": source["passage"],
                "url": url,
            }
        )
    return links


@register.filter
def course_text(value):
    """A text of the course in the learner's language: the reviewed translation, or the English
    marked as English (lang="en") where there is none yet. English pages get it unchanged."""
    from django.utils.html import format_html

    from training.selectors import course_messages, translated_language

    if not value or translated_language() is None:
        return value
    translated = course_messages().get(str(value))
    if translated:
        return translated
    return format_html('<span lang="en">{}</span>', value)


@register.filter
def course_text_plain(value):
    """course_text for an attribute or a page title, where no markup may go."""
    from training.selectors import course_messages

    return course_messages().get(str(value), value) if value else value


@register.filter
def course_translation(value) -> str:
    """The translation shown beneath the policy's own words; empty on English pages."""
    from training.selectors import course_messages

    return course_messages().get(str(value), "") if value else ""


@register.inclusion_tag("training/includes/translation_notice.html", takes_context=True)
def translation_notice(context, course=None):
    """On a course page read in another language than English: that it is a translation and
    the English governs, or that the English is shown until a translation is reviewed."""
    from training.selectors import reviewed_translation, reviewed_translations, translated_language

    language = translated_language()
    if language is None:
        return {"notice": ""}
    if course is None:  # a page of a section's quiz: the course's translation is the one
        translated = bool(reviewed_translations(language=language))
    else:
        translated = reviewed_translation(course_id=course.pk, language=language) is not None
    return {"notice": "translated" if translated else "pending"}
