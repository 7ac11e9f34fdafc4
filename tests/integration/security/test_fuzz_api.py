"""Fuzzing the JSON API with schemathesis against its own OpenAPI schema (issue 6, part 2).

Every operation of the schema is called as every caller of `fuzz_world` (the `world`'s admin, staff,
committee, official, outlet, member, outsider, superuser and nobody, and an anonymous caller) with
requests schemathesis derives from the schema: valid ones, and invalid ones (wrong types, values out
of range, missing or unknown fields). Every answer must

* not be a server error (5xx);
* have a status the schema documents, with its content type, headers and body schema;
* be a 4xx when the request is invalid.

Valid requests are not required to succeed (no `positive_data_acceptance`): the caller's role (403),
an id that names nothing (404) or the caisse's rules (409, 422) may refuse them, which the schema
cannot say. The fuzzers' own tokens and role grants are never revoked (`FuzzWorld`), else every later
request of that caller would be a 401 or 403 testing nothing. After all operations, the ledger's
invariants must still hold.

Path parameters name real objects most of the time: each operation draws from its generated values
and from three sets of real ones, two of the demo caisse's objects and the same objects asked of the
"test" caisse (a 404: never another caisse's object).

Why this shape: about 110 operations × 10 callers on SQLite and PostgreSQL, in a few minutes on two
cores, when schemathesis takes 20 to 50 ms to make one request. So each operation has

* a probe of `PROBE_EXAMPLES` requests, each sent as every caller: every (operation, caller) pair is
  answered and checked;
* then `DEEP_EXAMPLES` requests, each sent as one of the callers the route let through (an answer
  other than 401/403 about a real caisse), since a refused caller only meets the guard again.

Both backends run every operation: what a database refuses (NUL in text, integers out of range)
differs between them. Seeds are fixed per operation and phase and the database is built the same
way, so a run repeats itself (on a given day: the demo's months end last month).
`CAISSE_FUZZ_SCALE=10` multiplies the example counts for a deeper run by hand.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, note, seed, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from caisse.app import create_app
from caisse.db.engine import make_engine, make_sessionmaker
from caisse.ledger.verify import verify_ledger
from caisse.periods import caisse_today
from caisse.settings import Settings
from tests.conftest import BACKENDS, POSTGRES_URL, _truncate_postgres
from tests.integration.security.fuzz_world import FuzzWorld, build_fuzz_world

SCALE = int(os.environ.get("CAISSE_FUZZ_SCALE", "1"))
PROBE_EXAMPLES = 2 * SCALE
DEEP_EXAMPLES = 15 * SCALE
# The `world`'s callers, and an anonymous one (no headers).
CALLERS = (
    "admin", "staff", "committee", "official", "outlet", "member",
    "outsider", "superuser", "nobody", "anonymous",
)  # fmt: skip
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# The schema does not depend on the database: built once, at collection.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite+aiosqlite://")).openapi_schema.to_schema()
)


def _operations() -> dict[str, APIOperation]:
    operations: dict[str, APIOperation] = {}
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):  # a part of the schema schemathesis cannot read: a finding itself
            raise result.err()
        operations[result.ok().label] = result.ok()
    return operations


OPERATIONS = _operations()


def _plain(schema: Any) -> bool:
    """A parameter schema every string satisfies (so no invalid value of it can be sent)."""
    if not isinstance(schema, dict):
        return True
    if set(schema) - {"type", "oneOf", "description"}:
        return False
    types = schema.get("type", "string")
    if any(t not in ("string", "null") for t in ([types] if isinstance(types, str) else types)):
        return False
    return all(_plain(alternative) for alternative in schema.get("oneOf", []))


def _negatable(operation: APIOperation, *, path_fixed: bool) -> bool:
    """Whether schemathesis can make an invalid request of `operation` (else it finds none and says so)."""
    definition = operation.definition.raw
    if "requestBody" in definition:
        return True
    return any(
        not _plain(parameter.get("schema"))
        for parameter in definition.get("parameters", [])
        if not (path_fixed and parameter["in"] == "path")
    )


def _real_paths(operation: APIOperation, world: FuzzWorld) -> list[dict[str, Any]]:
    """Path parameters naming objects of the demo caisse: two sets, then the same objects asked of
    the "test" caisse (where they are not: a 404, never another caisse's object)."""
    names = [parameter.name for parameter in operation.path_parameters]
    values: dict[str, list[Any]] = {}
    for name in names:
        key = "receipt" if name == "code" and "/receipts/" in operation.path else name
        values[name] = world.real.get(key, [])
        if not values[name]:
            return []  # no such object in the demo caisse: generated values only
    paths = [{name: values[name][i % len(values[name])] for name in names} for i in range(2)]
    if paths and "slug" in names:
        paths.append({**paths[0], "slug": "test"})
    return [path for path in paths if not _protected(path, world)]


def _cases(operation: APIOperation, world: FuzzWorld) -> st.SearchStrategy[Case]:
    strategies: list[st.SearchStrategy[Case]] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for path in _real_paths(operation, world):
            if mode is GenerationMode.POSITIVE or _negatable(operation, path_fixed=True):
                strategies.append(operation.as_strategy(mode, path_parameters=path))
        if mode is GenerationMode.POSITIVE or _negatable(operation, path_fixed=False):
            strategies.append(operation.as_strategy(mode))
    return st.one_of(strategies).filter(lambda case: not _protected(case.path_parameters or {}, world))


def _protected(path: dict[str, Any], world: FuzzWorld) -> bool:
    return (
        path.get("token_id") in world.protected_token_ids or path.get("grant_id") in world.protected_grant_ids
    )


def _send(client: TestClient[Litestar], case: Case, headers: dict[str, str]) -> Any:
    """Send `case` through the app's test client (the requests-style arguments schemathesis prepares,
    in httpx's names); no cookie is carried from one request to the next."""
    kwargs = case.as_transport_kwargs(headers=headers)
    kwargs.pop("cookies", None)  # the API's schema has no cookie parameter
    if isinstance(kwargs.get("data"), bytes | str):
        kwargs["content"] = kwargs.pop("data")
    client.cookies.clear()
    return client.request(**kwargs)


@dataclass
class Fuzzing:
    client: TestClient[Litestar]
    world: FuzzWorld
    settings: Settings
    # Requests sent, by status.
    statuses: Counter[int] = field(default_factory=Counter)
    # (operation, caller) pairs let through the route's guards.
    through: set[tuple[str, str]] = field(default_factory=set)


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzing(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzing]:
    """One populated database and one app per backend for the whole module: building the demo
    caisse takes seconds, and the fuzzing only adds to it."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "caisse.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        settings = Settings(database_url=f"sqlite+aiosqlite:///{path}")
    else:
        schema = request.getfixturevalue("postgres_schema")
        settings = Settings(database_url=POSTGRES_URL, database_schema=schema)
    with pytest.MonkeyPatch.context() as patch:
        _cheap_hashing(patch)
        world = asyncio.run(_build(settings))
        with TestClient(app=create_app(settings)) as client:
            yield Fuzzing(client=client, world=world, settings=settings)
    if request.param == "postgresql":
        _truncate_postgres(settings.database_schema or "")


def _cheap_hashing(patch: pytest.MonkeyPatch) -> None:
    """As `cheap_password_hashing` in tests/conftest.py, for the whole module."""
    from argon2 import PasswordHasher

    from caisse.auth import secrets

    patch.setattr(secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


async def _build(settings: Settings) -> FuzzWorld:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return await build_fuzz_world(session, caisse_today())
    finally:
        await engine.dispose()


def _run(
    fuzzing: Fuzzing,
    label: str,
    phase: str,
    examples: int,
    cases: st.SearchStrategy[Case],
    callers: Sequence[str],
) -> set[str]:
    """Run `examples` cases of `label`; in the probe, each case is sent as every caller, then the
    deep phase sends each case as one caller of `callers` (drawn). Returns the callers answered
    with something other than 401/403 (let through by the route's guards)."""
    through: set[str] = set()
    senders = st.just(tuple(callers)) if phase == "probe" else st.sampled_from(callers).map(lambda c: (c,))

    @seed(zlib.crc32(f"{label} {phase}".encode()))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # No `explain` phase: it would re-send variations of a failing request at length.
        phases=(Phase.generate, Phase.shrink),
        # Fuzzing filters out protected ids and draws large bodies on purpose.
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, sent_as=senders)
    def requests(case: Case, sent_as: tuple[str, ...]) -> None:
        # A made-up caisse is not found whoever asks: only an answer about a real one tells.
        real_caisse = (case.path_parameters or {}).get("slug", "demo") in ("demo", "test")
        for caller in sent_as:
            note(f"as {caller}")
            response = _send(fuzzing.client, case, fuzzing.world.headers.get(caller, {}))
            fuzzing.statuses[response.status_code] += 1
            if real_caisse and response.status_code not in (401, 403):
                through.add(caller)
            case.validate_response(response, checks=CHECKS)

    requests()
    return through


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_answers_every_caller_as_its_schema_says(fuzzing: Fuzzing, label: str) -> None:
    operation = OPERATIONS[label]
    cases = _cases(operation, fuzzing.world)
    through = _run(fuzzing, label, "probe", PROBE_EXAMPLES, cases, CALLERS)
    fuzzing.through.update((label, caller) for caller in through)
    if through:
        _run(fuzzing, label, "deep", DEEP_EXAMPLES, cases, sorted(through))


def test_fuzzing_leaves_the_books_balanced(fuzzing: Fuzzing) -> None:
    """After every operation above (payments, refunds, reversals, closes… with fuzzed data), the
    ledger's invariants still hold."""

    async def problems() -> list[str]:
        engine = make_engine(fuzzing.settings)
        try:
            async with make_sessionmaker(engine)() as session:
                return [f"{p.code}: {p.message}" for p in (await verify_ledger(session)).problems]
        finally:
            await engine.dispose()

    assert asyncio.run(problems()) == []
    by_status = ", ".join(f"{status}: {n}" for status, n in sorted(fuzzing.statuses.items()))
    print(
        f"\nfuzzed {len(OPERATIONS)} operations × {len(CALLERS)} callers: {fuzzing.statuses.total()} "
        f"requests ({by_status}); {len(fuzzing.through)} (operation, caller) pairs past the guards"
    )
