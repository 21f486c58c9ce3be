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
