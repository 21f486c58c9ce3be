def safe_filename(name: str) -> str:
    """`name` with every character but letters, digits, "-", "_" and "." replaced by "_": safe
    in a ZIP entry and a Content-Disposition header on any system."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
