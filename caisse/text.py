"""Free text people type: what a stored text may not contain.

PostgreSQL refuses the NUL character in text columns (and SQLite would store it, so the two
backends would disagree), and other control characters are typing accidents or attempts to hide
text in logs and exports. Every free-text field is checked here before it reaches the database;
`caisse.http.errors` maps the database's own refusal to a 422 as a last safety net.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from caisse.errors import ValidationFailed

# C0 controls and DEL, except tab and line feed; and lone surrogates, which no encoding stores.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# The same, also allowing carriage return: a multi-line text from a browser form ends lines "\r\n".
CONTROL_CHARACTERS_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a character no stored text may hold (NUL, other C0 controls but tab
    and line feed — and carriage return when `multiline` —, DEL, a lone surrogate).

    >>> has_control_characters("Ferme du Couserans"), has_control_characters("a\\x00b")
    (False, True)
    >>> lines = "ligne 1\\r\\nligne 2"
    >>> has_control_characters(lines), has_control_characters(lines, multiline=True)
    (True, False)
    """
    pattern = CONTROL_CHARACTERS_IN_LINES if multiline else CONTROL_CHARACTERS
    return pattern.search(text) is not None


def control_character_message(what: str) -> str:
    """What to tell a person whose `what` (e.g. "the title") holds a control character."""
    return f"{what} contains a control character (such as NUL); remove it and send the text again."


def control_character_problems(
    fields: Mapping[str, str | None], *, multiline: Collection[str] = ()
) -> list[dict[str, object]]:
    """One API problem (`{"field", "message"}`) per field of `fields` (name -> text) holding a
    control character; the fields named in `multiline` may hold line breaks."""
    return [
        {"field": name, "message": control_character_message("the text")}
        for name, value in fields.items()
        if value is not None and has_control_characters(value, multiline=name in multiline)
    ]


def refuse_control_characters(fields: Mapping[str, str | None], *, multiline: Collection[str] = ()) -> None:
    """ValidationFailed (422) naming each field of `fields` that holds a control character."""
    problems = control_character_problems(fields, multiline=multiline)
    if problems:
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise ValidationFailed(detail, problems)
