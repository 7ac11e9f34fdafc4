"""Money in and out of a caisse: contribution payments and arrears, subsidies by source,
operating costs and the opening reserve. Each record is booked by one journal entry."""

from caisse.money.amounts import euros_to_cents
from caisse.money.arrears import MemberArrears, list_arrears
from caisse.money.booking import Recorded
from caisse.money.costs import list_costs, record_operating_cost
from caisse.money.payments import list_payments, record_contribution_payment
from caisse.money.reserve import record_opening_reserve
from caisse.money.subsidies import (
    Agreement,
    agreement_of,
    clear_agreement,
    create_subsidy_source,
    find_subsidy_source,
    list_subsidies,
    list_subsidy_sources,
    record_subsidy,
    set_agreement,
)

__all__ = [
    "Agreement",
    "MemberArrears",
    "Recorded",
    "agreement_of",
    "clear_agreement",
    "create_subsidy_source",
    "euros_to_cents",
    "find_subsidy_source",
    "list_arrears",
    "list_costs",
    "list_payments",
    "list_subsidies",
    "list_subsidy_sources",
    "record_contribution_payment",
    "record_opening_reserve",
    "record_operating_cost",
    "record_subsidy",
    "set_agreement",
]
