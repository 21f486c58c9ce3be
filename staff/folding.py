"""Text folded for searching: a principal types "Nunez" or "Lefevre" on an ordinary keyboard
and must find "Núñez" and "Lefèvre". The roster keeps names exactly; only the search column
and the words searched for are folded, by this one function, on SQLite and PostgreSQL alike
(neither database folds accents by itself without an extension)."""

import unicodedata

# Curly and modifier apostrophes and the typographic hyphens a roster export may carry, as the
# plain characters a keyboard types: "D’Amico" is found by "D'Amico".
_PUNCTUATION = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)


def search_fold(text: str) -> str:
    """`text` without accents, in case-folded form: "Zoë Lefèvre-Smith" -> "zoe lefevre-smith",
    "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PUNCTUATION))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def staff_search_text(*, first_name: str, last_name: str, employee_id: str) -> str:
    """What the staff report's search looks in, folded."""
    return search_fold(f"{first_name} {last_name} {employee_id}")
