"""The translation catalogues are complete and in step with the code (no database needed)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from web.i18n import LANGUAGES, LOCALES_DIR, catalogue_files

REPO = Path(__file__).resolve().parents[3]


def _extracted() -> set[str]:
    """Every msgid in the web code and templates, as `make messages` extracts them."""
    with (REPO / "web" / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue(language: str) -> dict[str, object]:
    """msgid (the singular of a plural message) -> its translation(s)."""
    found: dict[str, object] = {}
    for path in catalogue_files(language):
        with path.open("rb") as po:
            for m in read_po(po):
                if m.id:
                    found.setdefault(str(m.id if isinstance(m.id, str) else m.id[0]), m.string)
    return found


def test_every_message_of_the_web_pages_has_a_french_translation() -> None:
    french = _catalogue("fr")
    missing = sorted(m for m in _extracted() if m not in french)
    assert not missing, f"run `make messages`, then translate: {missing}"
    empty = sorted(k for k, v in french.items() if not (all(v) if isinstance(v, tuple) else v))
    assert not empty, f"untranslated in web/locales/fr: {empty}"


def test_every_language_has_a_catalogue() -> None:
    for language in LANGUAGES:
        assert (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").is_file()


def test_no_compiled_catalogue_is_committed() -> None:
    assert not list(LOCALES_DIR.rglob("*.mo")), "catalogues are compiled in memory from the .po files"
