"""Reading households from spreadsheet exports: French or English, every bad line numbered."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from caisse.members import csv_import
from caisse.members.csv_import import CsvFileError, header_key, parse_households
from caisse.members.models import MemberStatus

TODAY = date(2027, 3, 15)

FRENCH = (
    "Nom;Courriel;Téléphone;Adresse;Adultes;Autres 14+;Enfants < 14;Revenu mensuel (€);"
    "Date déclaration;Statut;Date adhésion\n"
    "Awa Diallo;awa@example.org;06 12 34 56 78;\"3 rue des Lilas; Foix\";2;0;1;\"1 234,56\";"
    "15/01/2027;Actif·ve;10/01/2027\n"
    "Jean Martin;;;;1;;;980;2027-02-01;candidat;\n"
)
ENGLISH = (
    "reference_person,email,adults,others_14_plus,children_under_14,monthly_income,income_declared_on,status\n"
    "Awa Diallo,awa@example.org,2,0,1,1234.56,2027-01-15,active\n"
    "\"Martin, Jean\",,1,0,0,\"1,980.00\",2027-02-01,applicant\n"
)


def parse(text: str, encoding: str = "utf-8") -> csv_import.ParsedFile:
    return parse_households(text.encode(encoding), today=TODAY)


def messages(parsed: csv_import.ParsedFile) -> list[str]:
    return [str(p) for p in parsed.problems]


def test_french_headers_semicolons_and_decimal_commas() -> None:
    parsed = parse(FRENCH)
    assert messages(parsed) == []
    assert parsed.delimiter == ";"
    awa, jean = (row.household for row in parsed.rows)
    assert awa.monthly_income_cents == 123456
    assert awa.address == "3 rue des Lilas; Foix"
    assert (awa.adults, awa.others_14_plus, awa.children_under_14) == (2, 0, 1)
    assert awa.status is MemberStatus.ACTIVE and awa.activated_on == date(2027, 1, 10)
    assert awa.income_declared_on == date(2027, 1, 15)
    assert jean.status is MemberStatus.APPLICANT and jean.monthly_income_cents == 98000
    assert [row.line for row in parsed.rows] == [2, 3]


def test_english_headers_with_commas() -> None:
    parsed = parse(ENGLISH)
    assert messages(parsed) == []
    assert parsed.delimiter == ","
    assert [r.household.reference_person for r in parsed.rows] == ["Awa Diallo", "Martin, Jean"]
    assert parsed.rows[1].household.monthly_income_cents == 198000


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    parsed = parse_households(codecs.BOM_UTF8 + FRENCH.encode(), today=TODAY)
    assert messages(parsed) == [] and len(parsed.rows) == 2
    assert parsed.headers["reference_person"] == "Nom"


def test_windows_1252_exports_are_read_when_certain() -> None:
    parsed = parse(FRENCH, encoding="cp1252")
    assert parsed.encoding == "cp1252"
    assert parsed.rows[0].household.reference_person == "Awa Diallo"
    assert parsed.headers["income_declared_on"] == "Date déclaration"


def test_utf16_exports_with_tabs_are_read() -> None:
    parsed = parse(FRENCH.replace(";", "\t").replace('"3 rue des Lilas\t Foix"', "Foix"), encoding="utf-16")
    assert messages(parsed) == [] and parsed.delimiter == "\t"


def test_other_encodings_get_a_message_asking_for_utf8() -> None:
    with pytest.raises(CsvFileError, match=r"not UTF-8 text \(line 2: byte 0x8D\).*CSV UTF-8"):
        parse_households(b"nom;adultes\nA\x8d\x81;1\n", today=TODAY)


def test_a_spreadsheet_file_is_not_mistaken_for_csv() -> None:
    with pytest.raises(CsvFileError, match="spreadsheet file"):
        parse_households(b"PK\x03\x04rest-of-a-zip", today=TODAY)


def test_every_bad_line_is_reported_with_its_number_and_column() -> None:
    text = (
        "nom;adultes;revenu_mensuel;date_declaration;statut\n"
        "Awa;2;1000;2027-01-01;actif\n"
        "Bob;0;1000;2027-01-01;actif\n"
        "Carl;1;12,5,0;2027-01-01;actif\n"
        "\n"
        ";1;100;31/02/2027;zombie\n"
        "Dan;1;-3;2027-04-01;actif\n"
    )
    assert messages(parse(text)) == [
        "line 3: adultes: must be at least 1, got 0",
        "line 4: revenu_mensuel: '12,5,0' is not an amount in euros",
        "line 6: nom: is empty; this column is required",
        "line 6: date_declaration: '31/02/2027' is not a date in the calendar",
        "line 6: statut: 'zombie' is not a status; write candidat, actif, suspendu or parti",
        "line 7: revenu_mensuel: must be 0 € or more, got -3.00 €",
        "line 7: date_declaration: 2027-04-01 is in the future; the income declaration cannot be after "
        "today (2027-03-15)",
    ]


def test_dates_before_1900_are_refused_as_implausible() -> None:
    text = (
        "nom;adultes;revenu_mensuel;date_declaration;statut;date_adhesion;date_sortie\n"
        "Awa;1;1000;01/01/0001;candidat;;\n"
        "Bob;1;1000;2027-01-01;parti;1899-12-31;0001-01-01\n"
        "Carl;1;1000;1900-01-01;candidat;1900-01-01;\n"
    )
    assert messages(parse(text)) == [
        "line 2: date_declaration: 0001-01-01 is not a plausible date; dates start at 1900-01-01",
        "line 3: date_adhesion: 1899-12-31 is not a plausible date; dates start at 1900-01-01",
        "line 3: date_sortie: 0001-01-01 is not a plausible date; dates start at 1900-01-01",
    ]


def test_numbers_and_dates_are_written_with_ascii_digits() -> None:
    text = "nom;adultes;revenu_mensuel;date_declaration\nAwa;２;１２;２０２７-０１-０１\n"
    assert messages(parse(text)) == [
        "line 2: adultes: '２' is not a whole number of persons",
        "line 2: revenu_mensuel: '１２' is not an amount in euros",
        "line 2: date_declaration: '２０２７-０１-０１' is not a date; write it YYYY-MM-DD or DD/MM/YYYY",
    ]


def test_a_quoted_line_break_keeps_the_following_line_numbers_right() -> None:
    text = (
        'nom;adresse;adultes;revenu;date_declaration\nAwa;"1 rue X\nFoix";1;100;2027-01-01\n'
        "Bob;;0;1;2027-01-01\n"
    )
    assert messages(parse(text)) == ["line 4: adultes: must be at least 1, got 0"]


def test_unknown_columns_are_named_and_nothing_is_read() -> None:
    parsed = parse("nom;adultes;revenu;date_declaration;pointure;couleur\nAwa;1;1;2027-01-01;42;bleu\n")
    assert [(p.line, p.column) for p in parsed.problems] == [(1, "pointure"), (1, "couleur")]
    message = parsed.problems[0].message
    assert "unknown column" in message and "revenu_mensuel/monthly_income" in message
    assert parsed.rows == ()


def test_missing_required_columns_are_named() -> None:
    parsed = parse("nom;email\nAwa;awa@example.org\n")
    assert [(p.line, p.column) for p in parsed.problems] == [
        (1, "adultes"), (1, "revenu_mensuel"), (1, "date_declaration")
    ]
    assert "required column missing" in parsed.problems[0].message


def test_a_column_given_twice_is_refused() -> None:
    parsed = parse("nom;reference_person;adultes;revenu;date_declaration\nA;B;1;1;2027-01-01\n")
    assert messages(parsed) == ["line 1: reference_person: says the same as column 'nom'; keep one of them"]


def test_duplicate_emails_and_repeated_lines_are_reported() -> None:
    text = (
        "nom;email;adultes;revenu;date_declaration\n"
        "Awa;awa@example.org;1;100;2027-01-01\n"
        "Bob;AWA@example.org;1;100;2027-01-01\n"
        "Awa;awa@example.org;1;100;2027-01-01\n"
    )
    assert messages(parse(text)) == [
        "line 3: email: awa@example.org is also on line 2",
        "line 4: the same household as line 2",
        "line 4: email: awa@example.org is also on line 2",
    ]


def test_a_row_with_too_many_values_is_reported() -> None:
    parsed = parse("nom;adultes;revenu;date_declaration\nAwa;1;1 234;56;2027-01-01\n")
    assert parsed.problems[0].line == 2
    assert "has 5 values but the header has 4 columns" in parsed.problems[0].message


def test_trailing_empty_columns_and_blank_lines_are_ignored() -> None:
    parsed = parse("nom;adultes;revenu;date_declaration;;\nAwa;1;100;2027-01-01;;\n;;;;;\n\n")
    assert messages(parsed) == [] and len(parsed.rows) == 1


def test_files_over_the_size_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    with pytest.raises(CsvFileError, match="the limit is 0 MB") as caught:
        parse(FRENCH)
    assert caught.value.too_large


def test_files_over_the_row_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_ROWS", 1)
    with pytest.raises(CsvFileError, match="more than 1 households"):
        parse(FRENCH)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(CsvFileError, match="empty"):
        parse_households(b"\xef\xbb\xbf  \n", today=TODAY)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        (" Revenu mensuel (€) ", "revenu_mensuel"),
        ("REVENU-MENSUEL", "revenu_mensuel"),
        ("Date de déclaration", "date_de_declaration"),
        ("Autres 14+", "autres_14_plus"),
        ("Enfants < 14", "enfants_moins_14"),
        ("monthly income EUR", "monthly_income"),
    ],
)
def test_headers_match_without_case_accents_spaces_or_units(header: str, key: str) -> None:
    assert header_key(header) == key


@pytest.mark.parametrize(
    ("typed", "status"),
    [("Actif", "active"), ("ACTIVE", "active"), ("actif·ve", "active"), ("Candidat(e)", "applicant"),
     ("suspendue", "suspended"), ("Parti", "left"), ("sortie", "left")],
)
def test_statuses_in_french_or_english(typed: str, status: str) -> None:
    assert csv_import.parse_status(typed).value == status


def test_the_example_in_the_documentation_imports() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "csv-import.md").read_text(encoding="utf-8")
    example = doc.split("## Example")[1].split("```")[1].strip("\n")
    parsed = parse(example + "\n")
    assert messages(parsed) == []
    assert [r.household.status.value for r in parsed.rows] == ["active", "applicant", "suspended"]
    assert parsed.rows[2].household.reference_person == "Dupré, Hélène"
