"""Checking and normalising an outlet's fields (pure): what staff, the outlet itself and a
member proposing it may fill in, and the messages that name the bad field."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from caisse.errors import ValidationFailed
from caisse.outlets.iban import normalise_bic, normalise_iban, normalise_siret
from caisse.outlets.models import PRODUCT_CATEGORIES, Outlet, OutletKind
from caisse.text import control_character_message, has_control_characters

MAX_DISTANCE_KM = Decimal("100000")

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EDITABLE = (
    "name",
    "kind",
    "address",
    "commune",
    "distance_km",
    "contact_email",
    "contact_phone",
    "siret",
    "product_categories",
    "iban",
    "bic",
)
# What the outlet itself may change in its own record.
OUTLET_EDITABLE = frozenset({"contact_email", "contact_phone", "product_categories", "iban", "bic"})
# What a member proposing an outlet may fill in (no bank or legal details).
PROPOSAL_FIELDS = frozenset(
    {
        "name",
        "kind",
        "address",
        "commune",
        "distance_km",
        "contact_email",
        "contact_phone",
        "product_categories",
    }
)


def _fail(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {message}")


def clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise outlet fields; ValidationFailed names the first bad field."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise _fail(name, "this field cannot be set here.")
        if value is None:
            if name in ("name", "kind", "product_categories"):
                raise _fail(name, "cannot be empty.")
            out[name] = None
            continue
        texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if any(isinstance(t, str) and has_control_characters(t, multiline=name == "address") for t in texts):
            raise _fail(name, control_character_message("the text"))
        if name == "name":
            text = str(value).strip()
            if not 1 <= len(text) <= 200:
                raise _fail(name, "give a name of 1 to 200 characters.")
            out[name] = text
        elif name == "kind":
            try:
                out[name] = OutletKind(value)
            except ValueError:
                known = ", ".join(k.value for k in OutletKind)
                raise _fail(name, f"unknown kind '{value}'; one of: {known}.") from None
        elif name in ("address", "commune"):
            out[name] = str(value).strip()
            if len(out[name]) > (120 if name == "commune" else 1000):
                raise _fail(name, "too long.")
        elif name == "distance_km":
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise _fail(name, "send a number of kilometres.") from None
            if not number.is_finite() or number < 0 or number > MAX_DISTANCE_KM:
                raise _fail(name, "a distance is a number of kilometres, 0 or more.")
            out[name] = number.quantize(Decimal("0.1"))
            if out[name] != number:
                raise _fail(name, "give the distance to a tenth of a kilometre at most.")
        elif name == "contact_email":
            text = str(value).strip()
            if not _EMAIL.fullmatch(text) or len(text) > 254:
                raise _fail(name, f"'{text}' is not an e-mail address.")
            out[name] = text
        elif name == "contact_phone":
            text = str(value).strip()
            if not re.fullmatch(r"\+?[0-9 .()-]{6,40}", text):
                raise _fail(
                    name, "a phone number has digits, spaces, dots or dashes, optionally a leading +."
                )
            out[name] = text
        elif name == "siret":
            try:
                out[name] = normalise_siret(str(value))
            except ValueError as exc:
                raise _fail(name, str(exc)) from None
        elif name == "iban":
            try:
                out[name] = normalise_iban(str(value))
            except ValueError as exc:
                raise _fail(name, str(exc)) from None
        elif name == "bic":
            try:
                out[name] = normalise_bic(str(value))
            except ValueError as exc:
                raise _fail(name, str(exc)) from None
        elif name == "product_categories":
            cats = list(value)
            unknown = [c for c in cats if c not in PRODUCT_CATEGORIES]
            if unknown:
                raise _fail(name, f"unknown {unknown}; known: {', '.join(PRODUCT_CATEGORIES)}.")
            out[name] = json.dumps(sorted(set(cats)))
    return out


def categories_of(outlet: Outlet) -> list[str]:
    return list(json.loads(outlet.product_categories or "[]"))
