"""Committee ballots (scrutins): secret, one person one vote, recusal, results that bind.

models: ballot, roll, tally, receipts (what is stored, and what never is) · rules: quorum and
decision rules (pure) · drafts/create: opening a ballot and taking its roll · voting: casting a
vote, receipts · closing/effects: closing, applying the result, cancelling · queries: lists and
the public decision log · schemas/routes: the HTTP API.
"""

from caisse.ballots.closing import cancel_ballot, close_ballot, close_due_ballots
from caisse.ballots.create import create_ballot
from caisse.ballots.drafts import BallotInput, RuleSetProposal
from caisse.ballots.models import Ballot, BallotKind, BallotOutcome, BallotReceipt, BallotTally, BallotVoter
from caisse.ballots.rules import Choice
from caisse.ballots.voting import cast_vote, my_participation, receipt_counted

__all__ = [
    "Ballot",
    "BallotInput",
    "BallotKind",
    "BallotOutcome",
    "BallotReceipt",
    "BallotTally",
    "BallotVoter",
    "Choice",
    "RuleSetProposal",
    "cancel_ballot",
    "cast_vote",
    "close_ballot",
    "close_due_ballots",
    "create_ballot",
    "my_participation",
    "receipt_counted",
]
