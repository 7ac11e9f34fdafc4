"""The public directory of conventioned outlets (lieux conventionnés), with filters, and one
outlet's page with the criteria it was conventioned on. No contact, bank or assessor data."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from caisse.auth.routes.markers import DbSession, PathCaisse
from caisse.errors import NotFound
from caisse.http.params import RowId
from caisse.outlets import service as outlets
from caisse.outlets.conventioning import current_convention
from caisse.outlets.fields import categories_of
from caisse.outlets.grid import outlet_grid
from caisse.outlets.models import PRODUCT_CATEGORIES, OutletKind, OutletStatus
from caisse.outlets.schemas import PublicOutlet
from caisse.periods import caisse_today
from web.labels import KINDS as KIND_LABELS
from web.labels import PRODUCTS, label
from web.queries import conventioned_outlets, directory_communes
from web.render import page, translator

KindFilter: TypeAlias = Annotated[str | None, QueryParameter(name="type", max_length=40)]
CommuneFilter: TypeAlias = Annotated[str | None, QueryParameter(name="commune", max_length=120)]
ProductFilter: TypeAlias = Annotated[str | None, QueryParameter(name="produit", max_length=40)]
KINDS = tuple(k.value for k in OutletKind)


@get("/c/{slug:str}/lieux", name="outlets")
async def directory(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    db_session: DbSession,
    kind: KindFilter = None,
    commune: CommuneFilter = None,
    product: ProductFilter = None,
) -> Template:
    """Filters come from a GET form: an empty field means "any"; a value not in the lists is
    answered next to its field (422), keeping what was chosen."""
    _ = translator(request)
    chosen = {
        "type": (kind or "").strip(),
        "commune": (commune or "").strip(),
        "produit": (product or "").strip(),
    }
    errors: dict[str, str] = {}
    if chosen["type"] and chosen["type"] not in KINDS:
        errors["type"] = _("Choose a kind of outlet from the list.")
    if chosen["produit"] and chosen["produit"] not in PRODUCT_CATEGORIES:
        errors["produit"] = _("Choose a product from the list.")
    listed = []
    if not errors:
        filters = outlets.OutletFilter(
            kind=OutletKind(chosen["type"]) if chosen["type"] else None,
            commune=chosen["commune"] or None,
            product=chosen["produit"] or None,
        )
        listed = await conventioned_outlets(db_session, caisse.id, filters, caisse_today())
    return page(
        request,
        "public/outlets.html",
        status=422 if errors else 200,
        caisse=caisse,
        caisse_nav=caisse,
        listed=[(item, categories_of(item.outlet)) for item in listed],
        kind_options=[(k, _(label(KIND_LABELS, k))) for k in KINDS],
        commune_options=[(c, c) for c in await directory_communes(db_session, caisse.id)],
        product_options=[(p, _(label(PRODUCTS, p))) for p in PRODUCT_CATEGORIES],
        chosen=chosen,
        errors=errors,
        filtered=any(chosen.values()),
    )


@get("/c/{slug:str}/lieux/{outlet_id:int}", name="outlet")
async def outlet_page(
    request: Request[Any, Any, Any], caisse: PathCaisse, db_session: DbSession, outlet_id: RowId
) -> Template:
    """Only an outlet conventioned today has a public page; others are a 404, as if unknown."""
    outlet = await outlets.get_outlet(db_session, caisse.id, outlet_id)
    convention = await current_convention(db_session, outlet.id, caisse_today())
    if outlet.status is not OutletStatus.CONVENTIONED or convention is None:
        raise NotFound(f"No conventioned outlet {outlet_id} in this caisse.")
    public = PublicOutlet.of(outlet, convention, await outlet_grid(db_session, caisse.id, outlet.id))
    return page(request, "public/outlet.html", caisse=caisse, caisse_nav=caisse, outlet=public)


HANDLERS = [directory, outlet_page]
