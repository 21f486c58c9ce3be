"""Reading values a request carries."""

import re

NUMBER = re.compile(r"[0-9]{1,9}")


def number_from_request(text) -> int | None:
    """A whole number from a request (a query parameter, a form field or field name), or None.
    Only ASCII digits, at most nine: Python's int() also reads "٣" and would fail on "²" or
    on thousands of digits, and a request must never turn into a server error."""
    if isinstance(text, str) and NUMBER.fullmatch(text):
        return int(text)
    return None
