"""Bank and legal identifiers of outlets: IBAN (ISO 13616, mod-97), BIC, SIRET (Luhn).

Pure functions: each returns the normalised value or raises ValueError with a message a person
can act on (the service turns it into a 422 naming the field).
"""

from __future__ import annotations

import re

# Lengths of the IBAN by country (ISO 13616 registry), for the countries outlets bank in.
IBAN_LENGTHS: dict[str, int] = {
    "FR": 27,
    "BE": 16,
    "DE": 22,
    "ES": 24,
    "IT": 27,
    "LU": 20,
    "MC": 27,
    "CH": 21,
    "NL": 18,
    "PT": 25,
    "AT": 20,
    "IE": 22,
    "GB": 22,
}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")


def normalise_iban(text: str) -> str:
    """The IBAN without spaces, in capitals, after checking its country length and mod-97 key."""
    iban = re.sub(r"[\s-]", "", text).upper()
    if not _IBAN_SHAPE.fullmatch(iban):
        raise ValueError("An IBAN starts with a country code and two check digits, then letters and digits.")
    country = iban[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected is None:
        known = ", ".join(sorted(IBAN_LENGTHS))
        raise ValueError(f"IBANs from country '{country}' are not accepted; accepted: {known}.")
    if len(iban) != expected:
        raise ValueError(f"A {country} IBAN has {expected} characters, this one has {len(iban)}.")
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(digits) % 97 != 1:
        raise ValueError("The IBAN check digits do not match: check for a typing mistake.")
    return iban


def mask_iban(iban: str | None) -> str | None:
    """`FR76 **** **** 1234`-style: country, check digits and the last four characters."""
    if not iban:
        return None
    return f"{iban[:4]} **** {iban[-4:]}"


def normalise_bic(text: str) -> str:
    bic = re.sub(r"\s", "", text).upper()
    if not _BIC_SHAPE.fullmatch(bic):
        raise ValueError(
            "A BIC has 8 or 11 characters: 4 letters (bank), 2 (country), 2 (place), 3 (branch)."
        )
    return bic


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalise_siret(text: str) -> str:
    """14 digits passing the Luhn check (La Poste's establishments, SIREN 356000000, are not handled)."""
    siret = re.sub(r"\s", "", text)
    if not re.fullmatch(r"[0-9]{14}", siret):
        raise ValueError("A SIRET has exactly 14 digits.")
    if not luhn_ok(siret):
        raise ValueError("This SIRET fails its check (Luhn key): check for a typing mistake.")
    return siret
