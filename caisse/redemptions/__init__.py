"""Redemptions (reconversion): outlets turn the credit they took into euros, paid by SEPA transfer.

An outlet asks (`request_redemption`), staff approve or reject (`approve_redemption`,
`reject_redemption`), and a payout batch pays every approved one by one pain.001 file and one ledger
entry (`create_payout_batch`). docs/payouts.md tells the whole workflow.
"""

from caisse.redemptions.approval import approve_redemption, reject_redemption
from caisse.redemptions.batch_lookup import get_batch, list_batches, transfers_of
from caisse.redemptions.batches import create_payout_batch
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionEvent, RedemptionStatus
from caisse.redemptions.position import OutletPosition, outlet_position
from caisse.redemptions.requests import (
    cancel_redemption,
    get_redemption,
    list_redemptions,
    request_redemption,
)

__all__ = [
    "OutletPosition",
    "PayoutBatch",
    "Redemption",
    "RedemptionEvent",
    "RedemptionStatus",
    "approve_redemption",
    "cancel_redemption",
    "create_payout_batch",
    "get_batch",
    "get_redemption",
    "list_batches",
    "list_redemptions",
    "outlet_position",
    "reject_redemption",
    "request_redemption",
    "transfers_of",
]
