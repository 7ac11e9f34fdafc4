"""Typed request parameters shared by every route, so that out-of-range numbers are a 400
naming the parameter, never an overflow deep in the database driver."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import msgspec
from litestar.params import PathParameter, QueryParameter

from caisse.pagination import MAX_LIMIT, MAX_OFFSET

MAX_ID = 2**63 - 1  # BIGINT

# A row id in the path (`/entries/{entry_id:int}`) or in the query string (`?source_id=`).
RowId: TypeAlias = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId: TypeAlias = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
OptionalQueryId: TypeAlias = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Limit: TypeAlias = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
Offset: TypeAlias = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET)]
# A row id inside a JSON body (msgspec Struct field).
BodyId: TypeAlias = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
