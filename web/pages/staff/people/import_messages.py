"""The CSV import's problems in the reader's language.

The import (`caisse.members.csv_import`, `caisse.members.importing`) reports its problems in
English, for the API and the command line. The page translates the ones it knows by their shape
(each pattern below is a message of the import, its values kept), and shows any other in English,
marked `lang="en"`, after a translated sentence: never an English fragment inside a French one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

from web.i18n import N_

# (the import's English message, the words shown instead): the pattern's named groups fill them.
_LINE_PATTERNS = [
    (r"is empty; this column is required", N_("is empty, and this column is required")),
    (r"unknown column; the columns are: (?P<known>.*)", N_("unknown column; the columns are: %(known)s")),
    (
        r"required column missing \(also accepted: (?P<other>.*)\)",
        N_("required column missing (also accepted: %(other)s)"),
    ),
    (
        r"says the same as column '(?P<other>.*)'; keep one of them",
        N_("says the same as the column “%(other)s”: keep one of them"),
    ),
    (r"the same household as line (?P<line>[0-9]+)", N_("the same household as line %(line)s")),
    (r"(?P<email>.*) is also on line (?P<line>[0-9]+)", N_("%(email)s is also on line %(line)s")),
    (
        r"(?P<email>.*) is already used by member (?P<code>.*)",
        N_("%(email)s is already used by the household %(code)s"),
    ),
    (r"'(?P<value>.*)' is not a whole number of persons", N_("“%(value)s” is not a whole number of persons")),
    (r"'(?P<value>.*)' is not a date in the calendar", N_("“%(value)s” is not a date in the calendar")),
    (
        r"'(?P<value>.*)' is not a date; write it YYYY-MM-DD or DD/MM/YYYY",
        N_("“%(value)s” is not a date: write it DD/MM/YYYY or YYYY-MM-DD"),
    ),
    (
        r"'(?P<value>.*)' is not a status; .*",
        N_("“%(value)s” is not a status: write candidat, actif, suspendu or parti"),
    ),
    (r"'(?P<value>.*)' is not an amount in euros", N_("“%(value)s” is not an amount in euros")),
    (r"must be at least (?P<low>\S+), got (?P<got>\S+)", N_("must be at least %(low)s (here: %(got)s)")),
    (r"must be at most (?P<high>\S+), got (?P<got>\S+)", N_("must be at most %(high)s (here: %(got)s)")),
    (r"holds a value but the column has no header", N_("holds a value, but the column has no header")),
    (
        r"has (?P<found>[0-9]+) values but the header has (?P<header>[0-9]+).*",
        N_("has %(found)s values, but the header has %(header)s"),
    ),
]
# The file as a whole.
_FILE_PATTERNS = [
    (
        r"The file has a header line but no household under it.*",
        N_("The file has a header line but no household under it: nothing was imported."),
    ),
    (
        r"The file has no header line\..*",
        N_("The file has no header line: its first line names the columns."),
    ),
    (r"The file is empty.*", N_("The file is empty: it needs a header line and one line per household.")),
    (
        r"This is a spreadsheet file.*",
        N_("This is a spreadsheet file, not CSV: export it from your spreadsheet as CSV (UTF-8)."),
    ),
    (
        r"The file (starts like UTF-16 text but is not|holds binary data|is not UTF-8 text).*",
        N_('The file is not UTF-8 text: export it again from your spreadsheet as "CSV UTF-8".'),
    ),
    (
        r"Line (?P<line>[0-9]+): the file is not valid CSV.*",
        N_("Line %(line)s: the file is not valid CSV (a quotation mark left open?)."),
    ),
    (
        r"The file is [0-9.]+ MB; the limit is (?P<mb>[0-9]+) MB.*",
        N_("The file is larger than %(mb)s MB: split it into several files."),
    ),
    (r"The header line has problems.*", N_("The header line has problems: nothing was imported.")),
]
_LINE = [(re.compile(p, re.S), words) for p, words in _LINE_PATTERNS]
_FILE = [(re.compile(p, re.S), words) for p, words in _FILE_PATTERNS]


def _translated(
    message: str, patterns: list[tuple[re.Pattern[str], str]], fallback: str, _: Callable[[str], str]
) -> Markup:
    for pattern, words in patterns:
        if found := pattern.fullmatch(message):
            return Markup.escape(_(words) % found.groupdict())
    return Markup('{} <span lang="en">({})</span>').format(_(fallback), message)


def line_problem(message: str, _: Callable[[str], str]) -> Markup:
    """A problem of one line or column of the file, in the reader's words."""
    return _translated(message, _LINE, N_("this value is not accepted"), _)


def file_problem(message: str, _: Callable[[str], str]) -> Markup:
    """What is wrong with the file as a whole, in the reader's words."""
    return _translated(message, _FILE, N_("The file cannot be imported."), _)


def problems_shown(problems: list[dict[str, object]], _: Callable[[str], str]) -> list[dict[str, object]]:
    """The import's problems (line, column, message), their messages in the reader's words."""
    return [{**p, "message": line_problem(str(p.get("message", "")), _)} for p in problems]
