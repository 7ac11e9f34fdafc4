"""Words for the codes stored by the domain (outlet kinds, products, roles, ballot outcomes).

Marked for translation here and translated where they are shown: `{{ _(labels.KINDS[o.kind]) }}`.
A code missing from a table shows as itself rather than failing the page.
"""

from __future__ import annotations

from web.i18n import N_

KINDS = {
    "producer": N_("Producer"),
    "market": N_("Market"),
    "shop": N_("Shop"),
    "epicerie_solidaire": N_("Solidarity grocery"),
    "cooperative": N_("Cooperative"),
    "restaurant": N_("Restaurant"),
    "amap": N_("AMAP (community-supported farming)"),
    "other": N_("Other"),
}

PRODUCTS = {
    "fruits_legumes": N_("Fruit and vegetables"),
    "produits_laitiers": N_("Dairy products"),
    "viande": N_("Meat"),
    "poisson": N_("Fish"),
    "oeufs": N_("Eggs"),
    "pain": N_("Bread"),
    "cereales_legumineuses": N_("Cereals and pulses"),
    "epicerie": N_("Groceries"),
    "huiles_condiments": N_("Oils and condiments"),
    "conserves": N_("Preserves"),
    "boissons_sans_alcool": N_("Soft drinks"),
    "autre": N_("Other products"),
}

ROLES = {
    "admin": N_("Administrator"),
    "staff": N_("Staff"),
    "committee": N_("Committee member"),
    "official": N_("Elected official or funder"),
    "outlet": N_("Outlet"),
    "member": N_("Member household"),
}

BALLOT_KINDS = {
    "convene": N_("Convention an outlet"),
    "renew": N_("Renew a convention"),
    "suspend": N_("Suspend a convention"),
    "end": N_("End a convention"),
    "motion": N_("Motion"),
}

OUTCOMES = {
    "passed": N_("Passed"),
    "rejected": N_("Rejected"),
    "no_quorum": N_("No quorum"),
    "cancelled": N_("Cancelled"),
}

DECISION_RULES = {
    "simple_majority": N_("simple majority"),
    "qualified_majority": N_("qualified majority"),
    "consent": N_("consent (passes unless someone objects)"),
}


def label(table: dict[str, str], code: object) -> str:
    """The (untranslated) label of `code`, or the code itself when the table does not know it."""
    key = getattr(code, "value", code)
    return table.get(str(key), str(key))

OUTLET_STATUSES = {
    "applicant": N_("applicant"),
    "under_review": N_("under review"),
    "conventioned": N_("conventioned"),
    "suspended": N_("suspended"),
    "ended": N_("ended"),
    "rejected": N_("rejected"),
}

DRAW_STATUSES = {
    "announced": N_("announced"),
    "drawn": N_("drawn"),
    "cancelled": N_("cancelled"),
}
