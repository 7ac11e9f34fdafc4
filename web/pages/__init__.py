"""HTML route handlers, one module per group of pages. Each module lists its handlers in `HANDLERS`.

URL scheme (French, as the pages): `/` home, `/connexion` and `/deconnexion`, `/langue`, `/espace`
(the caisse picker), and under `/c/{slug}`: the caisse's home, `lieux` (directory), `transparence`,
`decisions` and `espace` (the user's roles there).
"""

from web.pages import auth, decisions, home, outlets, space, transparency

HANDLERS = [
    *home.HANDLERS,
    *outlets.HANDLERS,
    *transparency.HANDLERS,
    *decisions.HANDLERS,
    *auth.HANDLERS,
    *space.HANDLERS,
]

__all__ = ["HANDLERS"]
