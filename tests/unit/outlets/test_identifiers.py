"""IBAN (mod-97, country lengths), BIC and SIRET (Luhn) checks."""

from __future__ import annotations

import pytest

from caisse.outlets.iban import mask_iban, normalise_bic, normalise_iban, normalise_siret

VALID_IBANS = [
    "FR76 3000 6000 0112 3456 7890 189",
    "DE89 3704 0044 0532 0130 00",
    "BE68 5390 0754 7034",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "LU28 0019 4006 4475 0000",
    "CH93 0076 2011 6238 5295 7",
    "NL91 ABNA 0417 1643 00",
    "PT50 0002 0123 1234 5678 9015 4",
    "MC58 1122 2000 0101 2345 6789 030",
]


@pytest.mark.parametrize("iban", VALID_IBANS)
def test_valid_ibans_are_normalised_without_spaces(iban: str) -> None:
    assert normalise_iban(iban) == iban.replace(" ", "")


def test_lowercase_iban_is_accepted_in_capitals() -> None:
    assert normalise_iban("fr7630006000011234567890189") == "FR7630006000011234567890189"


@pytest.mark.parametrize(
    ("iban", "says"),
    [
        ("FR7630006000011234567890188", "check digits"),  # one digit changed
        ("FR763000600001123456789018", "27 characters"),  # one short
        ("XX7630006000011234567890189", "not accepted"),
        ("76FR30006000011234567890189", "starts with a country"),
        ("", "starts with a country"),
    ],
)
def test_bad_ibans_are_refused_with_the_reason(iban: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        normalise_iban(iban)


def test_masked_iban_shows_country_and_last_four_only() -> None:
    assert mask_iban("FR7630006000011234567890189") == "FR76 **** 0189"
    assert mask_iban(None) is None


def test_siret_luhn_check() -> None:
    assert normalise_siret("732 829 320 00074") == "73282932000074"
    with pytest.raises(ValueError, match="Luhn"):
        normalise_siret("73282932000075")
    with pytest.raises(ValueError, match="14 digits"):
        normalise_siret("7328293200007")


def test_bic_shape() -> None:
    assert normalise_bic("bnpa fr pp") == "BNPAFRPP"
    assert normalise_bic("BNPAFRPPXXX") == "BNPAFRPPXXX"
    with pytest.raises(ValueError, match="8 or 11"):
        normalise_bic("BNPAFRP")
