"""The authorisation table: for every route of the app, keyed by (method, path template) as Litestar
lists them, who gets through and what they get (see `authz_access.Access`). A route missing from this
table fails `test_every_route_has_a_decision`: decide who may call it, then add it here.

The outcomes are those of an empty body (a form with only its CSRF token): the guard decides before the
body is read, so a 400 or 422 to an allowed caller means "let through, then refused as invalid". The
caisse in the path is "test"; its objects are the world's (tests/integration/security/authz_world.py).
"""

from __future__ import annotations

from datetime import timedelta

from caisse.periods import caisse_today
from tests.integration.security.authz_access import (
    ADMIN,
    COMMITTEE,
    IN_CAISSE,
    OFFICIALS,
    READERS,
    SIGNED_IN,
    STAFF,
    Access,
    only,
    public,
)

TODAY = caisse_today().isoformat()
NEXT_YEAR = (caisse_today() + timedelta(days=365)).isoformat()

# A household's own data: staff, or that household's user.
HOUSEHOLD = STAFF | {"member"}
OWN_HOUSEHOLD = frozenset({"member", "superuser"})
NO_HOUSEHOLD = {"superuser": "404"}
# An outlet's payments and redemptions: staff, or that outlet's user.
TILL = STAFF | {"outlet"}
# The criteria grid and outlet decisions: the caisse's admin and its committee.
GRID = ADMIN | {"committee"}

ROUTES: dict[tuple[str, str], Access] = {
    # Public pages, logging in and out, the language.
    ("GET", "/"): public(),
    ("GET", "/c/{slug:str}"): public(),
    ("GET", "/c/{slug:str}/lieux"): public(),
    ("GET", "/c/{slug:str}/lieux/{outlet_id:int}"): public(),
    ("GET", "/c/{slug:str}/transparence"): public(),
    ("GET", "/c/{slug:str}/decisions"): public(),
    ("POST", "/connexion"): public("422"),
    ("GET", "/connexion"): public(),
    ("POST", "/deconnexion"): public("303"),  # logging out asks nothing of anyone
    ("POST", "/langue"): public("422"),
    # Spaces: the caisse picker for anyone signed in, a caisse's space for its roles.
    ("GET", "/espace"): only(SIGNED_IN),
    ("GET", "/c/{slug:str}/espace"): only(IN_CAISSE),
    # Staff pages (a caisse admin holds staff rights).
    ("GET", "/c/{slug:str}/gestion"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/membres"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/membres/import"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/membres/import"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/membres/import/confirmer"): only(STAFF, "400"),
    ("GET", "/c/{slug:str}/gestion/membres/import/format"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/membres/import/{digest:str}"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/membres/{code:str}"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/membres/{code:str}/modifier"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/membres/{code:str}/modifier"): only(STAFF, "422"),
    ("POST", "/c/{slug:str}/gestion/membres/{code:str}/statut"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/cloture"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/cloture"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/cloture/{month:str}"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/cotisations"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/cotisations"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/cotisations/impayes.csv"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/subventions"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/subventions"): only(STAFF, "422"),
    ("POST", "/c/{slug:str}/gestion/subventions/financeurs"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/subventions/financeurs/{source_id:int}"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/subventions/financeurs/{source_id:int}/convention"): only(
        STAFF, "422", body={"amount": "38070", "every_months": "3", "until": ""}
    ),
    ("POST", "/c/{slug:str}/gestion/subventions/financeurs/{source_id:int}/convention/retirer"): only(
        STAFF, "303"
    ),
    ("POST", "/c/{slug:str}/gestion/subventions/frais"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/reconversions"): only(STAFF),
    ("POST", "/c/{slug:str}/gestion/reconversions/{redemption_id:int}/approuver"): only(STAFF, "303"),
    ("POST", "/c/{slug:str}/gestion/reconversions/{redemption_id:int}/refuser"): only(STAFF, "422"),
    ("POST", "/c/{slug:str}/gestion/reconversions/lots"): only(STAFF, "422"),
    ("GET", "/c/{slug:str}/gestion/reconversions/lots/{batch_id:int}/pain001.xml"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/reconversions/lots/{batch_id:int}/virements.csv"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/rapports"): only(STAFF),
    ("GET", "/c/{slug:str}/gestion/rapports/{month:str}/{name:str}"): only(
        STAFF, params={"name": "report_file"}
    ),
    ("GET", "/c/{slug:str}/gestion/rapports/foyers/{name:str}"): only(
        STAFF, params={"name": "households_file"}
    ),
    # The committee's pages, which staff (who run ballots and draws) see too.
    ("GET", "/c/{slug:str}/comite"): only(COMMITTEE),
    ("GET", "/c/{slug:str}/comite/scrutins/{ballot_id:int}"): only(COMMITTEE),
    ("POST", "/c/{slug:str}/comite/scrutins/{ballot_id:int}/recu"): only(COMMITTEE, "422"),
    ("POST", "/c/{slug:str}/comite/scrutins/{ballot_id:int}/vote"): only(COMMITTEE, "422"),
    ("POST", "/c/{slug:str}/comite/scrutins/{ballot_id:int}/cloture"): only(COMMITTEE, "409"),
    ("GET", "/c/{slug:str}/comite/scrutins/nouveau"): only(COMMITTEE),
    ("POST", "/c/{slug:str}/comite/scrutins/nouveau"): only(COMMITTEE, "422"),
    ("GET", "/c/{slug:str}/comite/lieux"): only(COMMITTEE),
    ("GET", "/c/{slug:str}/comite/lieux/{outlet_id:int}"): only(COMMITTEE),
    # Only a sitting committee member assesses an outlet (not staff, nor a superuser, on the pages).
    ("POST", "/c/{slug:str}/comite/lieux/{outlet_id:int}/evaluation"): only({"committee"}, "422"),
    ("GET", "/c/{slug:str}/comite/liens"): only(COMMITTEE),
    ("POST", "/c/{slug:str}/comite/liens"): only(COMMITTEE, "422"),
    # A committee member withdraws their own link on the pages (an admin can through the API).
    ("POST", "/c/{slug:str}/comite/liens/{link_id:int}/retrait"): only({"committee"}, "303"),
    ("GET", "/c/{slug:str}/comite/tirages"): only(COMMITTEE),
    ("GET", "/c/{slug:str}/comite/tirages/{reference:str}"): only(COMMITTEE),
    # Staff run a draw (409: its registration is still open); the committee only reads it.
    ("POST", "/c/{slug:str}/comite/tirages/{reference:str}/tirage"): only(STAFF, "409"),
    # An outlet's till: the user of an outlet, for its own outlet only (staff and superusers hold none).
    ("GET", "/c/{slug:str}/mon-lieu"): only({"outlet"}),
    ("POST", "/c/{slug:str}/mon-lieu"): only({"outlet"}, "422"),
    ("GET", "/c/{slug:str}/mon-lieu/paiements/{payment_id:int}"): only({"outlet"}),
    ("GET", "/c/{slug:str}/mon-lieu/paiements"): only({"outlet"}),
    ("POST", "/c/{slug:str}/mon-lieu/paiements/{payment_id:int}/remboursement"): only({"outlet"}, "409"),
    ("GET", "/c/{slug:str}/mon-lieu/paiements/{payment_id:int}/remboursement"): only({"outlet"}),
    ("POST", "/c/{slug:str}/mon-lieu/reconversions"): only({"outlet"}, "422"),
    ("GET", "/c/{slug:str}/mon-lieu/reconversions"): only({"outlet"}),
    # A household's own pages: a superuser passes the guard but is no household.
    ("GET", "/c/{slug:str}/mon-compte"): only(OWN_HOUSEHOLD, answers=NO_HOUSEHOLD),
    ("GET", "/c/{slug:str}/mon-compte/historique"): only(OWN_HOUSEHOLD, answers=NO_HOUSEHOLD),
    ("GET", "/c/{slug:str}/mon-compte/cotisation"): only(OWN_HOUSEHOLD, answers=NO_HOUSEHOLD),
    ("GET", "/c/{slug:str}/mon-compte/releve"): only(OWN_HOUSEHOLD, answers=NO_HOUSEHOLD),
    ("POST", "/c/{slug:str}/mon-compte/code-secret"): only(OWN_HOUSEHOLD, "422", answers=NO_HOUSEHOLD),
    ("GET", "/c/{slug:str}/mon-compte/code-secret"): only(OWN_HOUSEHOLD, answers=NO_HOUSEHOLD),
    # The officials' simulation pages.
    ("GET", "/c/{slug:str}/simulations"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/{run_id:int}"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/{run_id:int}/resume"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/{run_id:int}/export.json"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/{run_id:int}/export.csv"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/{run_id:int}/reserve.svg"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/nouvelle"): only(OFFICIALS),
    ("POST", "/c/{slug:str}/simulations/nouvelle"): only(OFFICIALS, "422"),
    ("POST", "/c/{slug:str}/simulations/comparer"): only(OFFICIALS, "422"),
    ("GET", "/c/{slug:str}/simulations/comparer"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/solveur"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/prevision"): only(OFFICIALS),
    ("GET", "/c/{slug:str}/simulations/fiabilite"): only(OFFICIALS),
    ("POST", "/c/{slug:str}/simulations/solveur"): only(OFFICIALS, "422"),
    # Static files and the API's documentation: no login.
    ("GET", "/static/{file_path:path}"): public(params={"file_path": "static_file"}),
    ("HEAD", "/static/{file_path:path}"): public(params={"file_path": "static_file"}),
    ("GET", "/schema"): public(),
    ("GET", "/schema/swagger"): public(),
    ("GET", "/schema/{path:str}"): public(params={"path": "schema_page"}),
    ("GET", "/schema/openapi.json"): public(),
    ("GET", "/schema/oauth2-redirect.html"): public(),
    # API: health, login, the caller's own account and tokens, users.
    ("GET", "/api/v1/health"): public(),
    ("POST", "/api/v1/auth/login"): public("400"),
    ("POST", "/api/v1/auth/logout"): public("204"),
    ("GET", "/api/v1/me"): only(SIGNED_IN),
    ("POST", "/api/v1/me/tokens"): only(SIGNED_IN, "400"),
    ("GET", "/api/v1/me/tokens"): only(SIGNED_IN),
    # A token is revoked by its owner only ("nobody" owns it); it is not even found for anyone else.
    ("DELETE", "/api/v1/me/tokens/{token_id:int}"): only(
        {"nobody"}, "204", answers=dict.fromkeys(SIGNED_IN - {"nobody"}, "404")
    ),
    ("POST", "/api/v1/users"): only({"superuser"}, "400"),
    # API: caisses, grants, audit, rules, the monthly cycle.
    ("GET", "/api/v1/caisses/{slug:str}/grants"): only(ADMIN),
    ("POST", "/api/v1/caisses/{slug:str}/grants"): only(ADMIN, "400"),
    # The admin revokes the spare grant first: it is gone when the superuser asks.
    ("DELETE", "/api/v1/caisses/{slug:str}/grants/{grant_id:int}"): only(
        ADMIN, "204", answers={"superuser": "404"}
    ),
    ("GET", "/api/v1/caisses/{slug:str}/audit"): only(ADMIN),
    ("GET", "/api/v1/caisses"): only(SIGNED_IN),
    ("POST", "/api/v1/caisses"): only({"superuser"}, "400"),
    ("PATCH", "/api/v1/caisses/{slug:str}"): only(ADMIN),
    ("GET", "/api/v1/caisses/{slug:str}"): only(IN_CAISSE),
    ("GET", "/api/v1/caisses/{slug:str}/rule-sets"): only(IN_CAISSE),
    ("POST", "/api/v1/caisses/{slug:str}/rule-sets"): only(ADMIN, "400"),
    ("POST", "/api/v1/caisses/{slug:str}/cycle/close"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/cycle/periods"): only(OFFICIALS),
    # API: households (a household reads and changes its own record, PIN and statement).
    ("POST", "/api/v1/caisses/{slug:str}/members/{code:str}/status"): only(
        STAFF, "400", body={"to": "suspended", "reason": "matrice"}
    ),
    ("POST", "/api/v1/caisses/{slug:str}/members"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/members"): only(STAFF),
    ("PATCH", "/api/v1/caisses/{slug:str}/members/{code:str}"): only(HOUSEHOLD),
    ("GET", "/api/v1/caisses/{slug:str}/members/{code:str}"): only(HOUSEHOLD),
    ("POST", "/api/v1/caisses/{slug:str}/members/import"): only(STAFF, "415"),
    ("GET", "/api/v1/caisses/{slug:str}/me/household"): only(OWN_HOUSEHOLD, answers=NO_HOUSEHOLD),
    ("GET", "/api/v1/caisses/{slug:str}/members/{code:str}/statements/{year:int}"): only(HOUSEHOLD),
    ("GET", "/api/v1/caisses/{slug:str}/members/{code:str}/outlet-payments"): only(HOUSEHOLD),
    ("GET", "/api/v1/caisses/{slug:str}/members/{code:str}/pin"): only(HOUSEHOLD),
    ("PUT", "/api/v1/caisses/{slug:str}/members/{code:str}/pin"): only(
        HOUSEHOLD, "400", body={"pin": "2580"}
    ),
    # API: ledger, money in and out, reports.
    ("GET", "/api/v1/caisses/{slug:str}/ledger/accounts"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/ledger/entries"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/ledger/entries/{entry_id:int}"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/ledger/entries/{entry_id:int}/reverse"): only(
        ADMIN, "400", body={"reason": "matrice", "occurred_on": TODAY}
    ),
    ("GET", "/api/v1/caisses/{slug:str}/ledger/verify"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/payments"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/payments"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/arrears"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/subsidy-sources"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/subsidy-sources"): only(STAFF),
    ("PUT", "/api/v1/caisses/{slug:str}/subsidy-sources/{source_id:int}/agreement"): only(
        STAFF, "400", body={"amount_cents": 3_807_000, "every_months": 3, "until": None}
    ),
    ("DELETE", "/api/v1/caisses/{slug:str}/subsidy-sources/{source_id:int}/agreement"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/costs"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/costs"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/subsidies"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/subsidies"): only(STAFF, "400"),
    ("POST", "/api/v1/caisses/{slug:str}/opening-reserve"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/reports/months/{month:str}"): only(OFFICIALS),
    ("GET", "/api/v1/caisses/{slug:str}/reports/months"): only(OFFICIALS),
    # API: outlets, their conventions and the criteria grid (an outlet's user reads and edits its own).
    ("POST", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/assessments"): only(
        {"committee", "superuser"}, "400", body={"criterion_id": 1, "value": True}
    ),
    ("GET", "/api/v1/caisses/{slug:str}/outlets"): only(READERS),
    ("POST", "/api/v1/caisses/{slug:str}/outlets"): only(
        {"admin", "committee", "member", "staff", "superuser"}, "400"
    ),
    ("POST", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/decisions"): only(
        GRID, "400", body={"decision": "suspend", "effective_on": TODAY, "decision_ref": "CR comité"}
    ),
    ("GET", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}"): only(
        {"admin", "committee", "outlet", "staff", "superuser"}
    ),
    ("PATCH", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}"): only(TILL),
    ("GET", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/grid"): only(COMMITTEE),
    ("GET", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/history"): only(COMMITTEE),
    ("GET", "/api/v1/caisses/{slug:str}/conventions/due-for-renewal"): only(COMMITTEE),
    ("POST", "/api/v1/caisses/{slug:str}/criteria"): only(GRID, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/criteria"): only(GRID),
    ("POST", "/api/v1/caisses/{slug:str}/criteria/defaults"): only(GRID, "201"),
    ("PATCH", "/api/v1/caisses/{slug:str}/criteria/{criterion_id:int}"): only(GRID),
    ("GET", "/api/v1/public/caisses/{slug:str}/outlets"): public(),
    # API: an outlet's payments (staff, or that outlet's user).
    ("GET", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/payments/{payment_id:int}"): only(TILL),
    ("DELETE", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/payments/pause"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/payments/pause"): only(TILL),
    ("GET", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/payments"): only(TILL),
    ("POST", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/payments"): only(
        TILL,
        "400",
        body={"member_code": "T-2", "pin": "2580", "amount_cents": 100, "idempotency_key": "matrice-1"},
    ),
    ("POST", "/api/v1/caisses/{slug:str}/outlets/{outlet_id:int}/payments/{payment_id:int}/refund"): only(
        TILL, "409"
    ),
    ("GET", "/api/v1/caisses/{slug:str}/outlet-payments"): only(STAFF),
    # API: redemptions and payout batches.
    # The admin approves the request first: it is no longer "requested" for the others (409).
    ("POST", "/api/v1/caisses/{slug:str}/redemptions/{redemption_id:int}/approve"): only(
        STAFF, "409", answers={"admin": "200"}
    ),
    ("POST", "/api/v1/caisses/{slug:str}/redemptions"): only(TILL, "422"),
    ("GET", "/api/v1/caisses/{slug:str}/redemptions"): only(TILL),
    # Staff name the outlet in the query (422 without it); an outlet's user reads its own.
    ("GET", "/api/v1/caisses/{slug:str}/redemptions/available"): only(TILL, "422", answers={"outlet": "200"}),
    ("POST", "/api/v1/caisses/{slug:str}/redemptions/{redemption_id:int}/cancel"): only({"outlet"}, "409"),
    ("GET", "/api/v1/caisses/{slug:str}/redemptions/{redemption_id:int}"): only(TILL),
    ("POST", "/api/v1/caisses/{slug:str}/redemptions/{redemption_id:int}/reject"): only(
        STAFF, "400", body={"reason": "matrice"}
    ),
    ("POST", "/api/v1/caisses/{slug:str}/payout-batches"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/payout-batches"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/payout-batches/{batch_id:int}"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/payout-batches/{batch_id:int}/pain001.xml"): only(STAFF),
    ("GET", "/api/v1/caisses/{slug:str}/payout-batches/{batch_id:int}/payouts.csv"): only(STAFF),
    # API: the committee's seats, links and lotteries.
    ("POST", "/api/v1/caisses/{slug:str}/committee/members/{membership_id:int}/end"): only(
        STAFF, "400", body={"left_on": TODAY, "reason": "matrice"}
    ),
    ("GET", "/api/v1/caisses/{slug:str}/committee/members/ending"): only(IN_CAISSE),
    ("GET", "/api/v1/caisses/{slug:str}/committee/members/history"): only(IN_CAISSE),
    ("POST", "/api/v1/caisses/{slug:str}/committee/members"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/committee/members"): only(IN_CAISSE),
    ("POST", "/api/v1/caisses/{slug:str}/committee/links"): only(COMMITTEE, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/committee/links"): only(COMMITTEE),
    # The admin withdraws the committee member's link first: it is withdrawn already for the others.
    ("POST", "/api/v1/caisses/{slug:str}/committee/links/{link_id:int}/withdraw"): only(
        COMMITTEE, "409", answers={"admin": "200"}
    ),
    ("POST", "/api/v1/caisses/{slug:str}/lotteries"): only(STAFF, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/lotteries"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/lotteries/{reference:str}/cancel"): only(
        STAFF, "400", body={"reason": "matrice"}
    ),
    ("GET", "/api/v1/caisses/{slug:str}/lotteries/{reference:str}"): only(STAFF),
    ("POST", "/api/v1/caisses/{slug:str}/lotteries/{reference:str}/draw"): only(STAFF, "409"),
    ("POST", "/api/v1/caisses/{slug:str}/lotteries/{reference:str}/seat"): only(
        STAFF, "400", body={"starts_on": TODAY, "ends_on": NEXT_YEAR}
    ),
    # A household volunteers itself; staff register a household they name (422 without it).
    ("POST", "/api/v1/caisses/{slug:str}/lotteries/{reference:str}/volunteers"): only(
        HOUSEHOLD, "422", answers={"member": "201"}, body={"user_email": "nobody@example.org"}
    ),
    ("GET", "/api/v1/public/caisses/{slug:str}/lotteries"): public(),
    ("GET", "/api/v1/public/caisses/{slug:str}/lotteries/{reference:str}"): public(),
    # API: ballots (anyone signed in may try to vote: the roll decides, 403 off it).
    ("POST", "/api/v1/caisses/{slug:str}/ballots/{ballot_id:int}/cancel"): only(
        STAFF, "400", body={"reason": "matrice"}
    ),
    ("POST", "/api/v1/caisses/{slug:str}/ballots/{ballot_id:int}/close"): only(COMMITTEE, "409"),
    ("GET", "/api/v1/caisses/{slug:str}/ballots"): only(READERS),
    ("POST", "/api/v1/caisses/{slug:str}/ballots"): only(COMMITTEE, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/ballots/{ballot_id:int}"): only(READERS),
    ("GET", "/api/v1/caisses/{slug:str}/ballots/{ballot_id:int}/me"): only(READERS),
    ("POST", "/api/v1/caisses/{slug:str}/ballots/{ballot_id:int}/votes"): only(
        SIGNED_IN, "400", body={"choice": "for"}
    ),
    ("GET", "/api/v1/public/caisses/{slug:str}/decisions"): public(),
    ("GET", "/api/v1/public/caisses/{slug:str}/ballots/{ballot_id:int}/receipts/{code:str}"): public(
        params={"ballot_id": "closed_ballot_id", "code": "receipt"}
    ),
    # API: simulations.
    ("GET", "/api/v1/caisses/{slug:str}/simulations/{run_id:int}"): only(OFFICIALS),
    ("POST", "/api/v1/caisses/{slug:str}/simulations"): only(OFFICIALS, "400"),
    ("GET", "/api/v1/caisses/{slug:str}/simulations"): only(OFFICIALS),
}
