"""Text folding for search and for matching spreadsheet headers: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not split but a French reader treats as two.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lowercase, without accents, with runs of spaces made one: "  Hélène  CŒUR " → "helene coeur"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold()).strip()


def member_search_text(code: str | None, reference_person: str | None, email: str | None) -> str:
    """What the member search matches a query against: code, name and e-mail, folded."""
    return " ".join(fold(part) for part in (code, reference_person, email) if part)


def like_pattern(query: str) -> str:
    """A LIKE pattern matching `query` (folded) anywhere, with % and _ taken literally (escape '\\')."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
