"""Why a payment was refused, in plain words, and what to do next: one entry per refusal code of
`caisse.spending` (the codes are stable; the services' English details are not shown to the till).

The texts may use `%(count)s` and `%(minutes)s`, the PIN lockout's limits, and `%(pause_count)s`
and `%(pause_minutes)s`, the outlet's pause after wrong PINs across households (`LOCKOUT`).
"""

from __future__ import annotations

from dataclasses import dataclass

from caisse.spending import MAX_FAILED_PINS, MAX_WRONG_PINS, PAUSE_WINDOW, PIN_LOCK
from web.i18n import N_

LOCKOUT = {
    "count": MAX_FAILED_PINS,
    "minutes": int(PIN_LOCK.total_seconds() // 60),
    "pause_count": MAX_WRONG_PINS,
    "pause_minutes": int(PAUSE_WINDOW.total_seconds() // 60),
}


@dataclass(frozen=True)
class Refusal:
    title: str
    reason: str
    next_step: str


REFUSALS = {
    "till_paused": Refusal(
        N_("Payments at your outlet are paused"),
        N_(
            "%(pause_count)s wrong PINs were typed at your outlet within %(pause_minutes)s minutes. To "
            "protect the households' credit, the caisse has stopped every payment at your outlet for a "
            "while, whatever the household."
        ),
        N_(
            "Call the caisse: its staff can check what happened and let your outlet take payments again "
            "at once. Otherwise payments start again at the time below. Meanwhile, take purchases by "
            "another means of payment."
        ),
    ),
    "convention_not_active": Refusal(
        N_("Your outlet cannot take the food credit today"),
        N_(
            "Your outlet has no convention with the caisse covering today: it may have ended, been "
            "suspended, or not started yet."
        ),
        N_(
            "Take this purchase by another means of payment, and ask the caisse's staff about your "
            "convention."
        ),
    ),
    "pin_refused": Refusal(
        N_("Member code or PIN not recognised"),
        N_(
            "The member code is unknown or the PIN is wrong. For safety, the caisse does not say "
            "which of the two."
        ),
        N_(
            "Check the code on the member's card and let the member type the PIN again. After "
            "%(count)s wrong PINs in a row the PIN is locked for %(minutes)s minutes."
        ),
    ),
    "pin_locked": Refusal(
        N_("This household's PIN is locked"),
        N_("The PIN was typed wrong too many times in a row, so it is locked for a while."),
        N_(
            "The household can pay again after the time below, or ask the caisse's staff for a new "
            "PIN, which unlocks it at once."
        ),
    ),
    "member_not_active": Refusal(
        N_("This household cannot pay with the food credit"),
        N_(
            "The household is not an active member of the caisse (it is suspended, has left, or has "
            "not started yet)."
        ),
        N_("Take this purchase by another means of payment. The household can ask the caisse's staff why."),
    ),
    "insufficient_credit": Refusal(
        N_("Not enough food credit"),
        N_("The household's food credit is less than the amount asked."),
        N_("Take a payment of at most the credit available, and the rest by another means of payment."),
    ),
}
