from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def choice_texts(item, choice_ids) -> list[str]:
    """The texts of the given choice ids, as the attempt showed them, in the reader's language
    where the course's reviewed translation has them."""
    from training.selectors import course_messages

    if item.shown.get("type") == "true_false":
        # The product's own words, not the course's: the interface's catalogue has them.
        translated = {
            "True": pgettext("answer to a true or false question", "True"),
            "False": pgettext("answer to a true or false question", "False"),
        }
    else:
        translated = course_messages()
    texts = {c["id"]: c["text"] for c in item.shown["choices"]}
    return [translated.get(texts[i], texts[i]) for i in choice_ids or [] if i in texts]


@register.filter
def percent(score) -> str:
    """A score as people write it: "40", "33.33", "100" (never "4E+1")."""
    if score is None:
        return "–"
    return f"{score.normalize():f}"
