"""Languages of the web pages: French by default, English as well.

Catalogues are the `.po` files under `web/locales/<lang>/LC_MESSAGES/messages.po`, read with Babel
when first needed and compiled in memory, so the repository holds no compiled `.mo` binary and a
translator only ever edits text. Message ids are English; the French catalogue translates every
one of them (a test checks it), the English catalogue may refine the wording.

The language of a request: the `lang` cookie (set by the switch in the footer), else the browser's
Accept-Language, else French.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.core import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "fr"
# Language code -> Babel locale used to format numbers, money and dates.
LANGUAGES: dict[str, str] = {"fr": "fr_FR", "en": "en_GB"}
# Each language named in itself, for the switch.
LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def catalogue_files(language: str) -> list[Path]:
    """`messages.po`, then any other `.po` of the language (texts of new pages being written in
    parallel, before `make messages` folds them into `messages.po`)."""
    directory = LOCALES_DIR / language / "LC_MESSAGES"
    main = directory / "messages.po"
    return [main, *sorted(p for p in directory.glob("*.po") if p != main)]


@functools.cache
def translations(language: str) -> Translations:
    """The catalogue of `language`, compiled in memory from its .po file once per process."""
    catalog = None
    for po_path in catalogue_files(language):
        with po_path.open("rb") as po_file:
            part = read_po(po_file, locale=language)
        if catalog is None:
            catalog = part
            continue
        for message in part:
            if message.id and message.id not in catalog:
                catalog[message.id] = message
    assert catalog is not None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@functools.cache
def locale_of(language: str) -> Locale:
    return Locale.parse(LANGUAGES[language])


def _accepted(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header, best first (q=0 means "not this")."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The page language: a valid `lang` cookie, else the first supported browser language, else fr."""
    if cookie in LANGUAGES:
        return cookie
    for tag in _accepted(accept_language or ""):
        if tag in LANGUAGES:
            return tag
        if tag == "*":
            break
    return DEFAULT_LANGUAGE


def template_gettext(language: str) -> dict[str, Callable[..., Any]]:
    """gettext callables for Jinja's i18n extension (new style: `{% trans %}` and `_()` escape
    their variables and format `%(name)s` themselves), bound to one request's language."""
    catalogue = translations(language)

    @pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        translated = catalogue.gettext(message)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        # Always a format string, as in Jinja's own new-style gettext: a literal % is written %%.
        return translated % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int, /, **variables: Any) -> str:
        variables.setdefault("num", n)
        translated = catalogue.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def gettext_for(language: str) -> Callable[[str], str]:
    """Plain gettext for Python code (form messages, chart labels) in `language`."""
    return translations(language).gettext
