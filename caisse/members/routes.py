"""The members API: /api/v1/caisses/{slug}/members/... and /api/v1/caisses/{slug}/me/household.

Handlers only parse, call `caisse.members` services and shape the answer; access rules live in
`caisse.members.access`, audit logging in the services.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.auth.actor import Actor
from caisse.auth.guards import STAFF, requires
from caisse.auth.models import Role
from caisse.caisses.models import Caisse
from caisse.errors import DomainError
from caisse.http.openapi import error_answer, replayed
from caisse.http.params import Limit, Offset
from caisse.members import access, service
from caisse.members.csv_import import MAX_BYTES
from caisse.members.importing import import_households
from caisse.members.models import Member, MemberStatus
from caisse.members.schemas import (
    HouseholdChanges,
    HouseholdIn,
    ImportOut,
    MemberOut,
    StatusChangeIn,
    household_values,
)
from caisse.pagination import Page, check_window

# What spreadsheets and scripts label a CSV export with (Windows names .csv files after Excel).
CSV_MEDIA_TYPES = frozenset(
    {"text/csv", "text/plain", "application/csv", "text/tab-separated-values", "application/vnd.ms-excel"}
)


class UnsupportedUpload(DomainError):
    code = "unsupported_media_type"
    status_code = 415


async def _detail(db_session: AsyncSession, caisse: Caisse, member: Member, actor: Actor) -> MemberOut:
    await service.read_member(db_session, caisse, member, actor)
    return MemberOut.of(member, await service.status_history(db_session, member.id))


class MemberController(Controller):
    path = "/caisses/{slug:str}"
    tags = ("members",)

    @get("/members", guards=[requires(*STAFF)], summary="Search households (staff)")
    async def list_members(
        self,
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        q: FromQuery[str | None] = None,
        status: FromQuery[MemberStatus | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[MemberOut]:
        """Households whose code, name or e-mail contains `q` (case and accents ignored), by code."""
        check_window(limit, offset)
        members, total = await service.list_members(
            db_session, caisse, actor, query=q, status=status, limit=limit, offset=offset
        )
        return Page([MemberOut.of(m) for m in members], total, limit, offset)

    @post("/members", guards=[requires(*STAFF)], summary="Register a household (staff)")
    async def create_member(
        self,
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        data: JSONBody[HouseholdIn],
    ) -> MemberOut:
        member = await service.create_member(db_session, caisse, actor=actor, **household_values(data))
        return MemberOut.of(member, await service.status_history(db_session, member.id))

    @post(
        "/members/import",
        guards=[requires(*STAFF)],
        summary="Import households from a CSV file (staff)",
        description="Send the file as the body with Content-Type: text/csv. All or nothing: a 422 lists "
        "every bad line. Columns: docs/csv-import.md. `dry_run=true` checks without importing.",
        # Our own 5 MB check answers with a clear message; this only stops absurd bodies.
        request_max_body_size=6 * 1024 * 1024,
        opt={"upload_limit": MAX_BYTES},
        responses={
            **replayed(ImportOut, "A dry run (`dry_run=true`): the file checked, nothing imported."),
            415: error_answer(
                "The file was sent as a form, as JSON or as another type than CSV text: send it as the "
                "body, as text/csv."
            ),
        },
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        body: RawBody,
        dry_run: FromQuery[bool] = False,
    ) -> Response[ImportOut]:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in CSV_MEDIA_TYPES:
            # A form, JSON, an image or an archive: the file itself, as text, is what the import reads.
            sent = f"Content-Type {media_type[:60]!r}" if media_type else "no Content-Type"
            raise UnsupportedUpload(
                f"The body was sent with {sent}: send the CSV file itself as the request body, "
                "with Content-Type: text/csv."
            )
        report = await import_households(db_session, caisse, body, actor=actor, dry_run=dry_run)
        out = ImportOut(
            report.imported, report.valid, report.dry_run, report.encoding, report.delimiter,
            report.codes[0] if report.codes else None, report.codes[-1] if report.codes else None,
        )
        return Response(out, status_code=HTTP_200_OK if dry_run else HTTP_201_CREATED)

    @get("/members/{code:str}", guards=[requires(*STAFF, Role.MEMBER)], summary="One household")
    async def get_member(
        self,
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        code: FromPath[str],
    ) -> MemberOut:
        member = await access.visible_member(db_session, caisse, code, actor)
        return await _detail(db_session, caisse, member, actor)

    @patch(
        "/members/{code:str}",
        guards=[requires(*STAFF, Role.MEMBER)],
        summary="Change a household (staff; a member: own contact and chosen contribution)",
    )
    async def update_member(
        self,
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[HouseholdChanges],
    ) -> MemberOut:
        member = await access.visible_member(db_session, caisse, code, actor)
        changes = household_values(data)
        access.check_may_change(actor, caisse, changes)
        await service.update_member(db_session, caisse, member, changes, actor=actor)
        return await _detail(db_session, caisse, member, actor)

    @post(
        "/members/{code:str}/status",
        guards=[requires(*STAFF)],
        status_code=HTTP_200_OK,
        summary="Change a household's status (staff)",
    )
    async def change_status(
        self,
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[StatusChangeIn],
    ) -> MemberOut:
        member = await service.get_member(db_session, caisse.id, code)
        await service.change_status(
            db_session, caisse, member,
            to=data.to, effective_on=data.effective_on, reason=data.reason, actor=actor,
        )
        return await _detail(db_session, caisse, member, actor)

    @get("/me/household", guards=[requires(Role.MEMBER)], summary="My own household (member)")
    async def my_household(
        self,
        db_session: NamedDependency[AsyncSession],
        caisse: NamedDependency[Caisse],
        actor: NamedDependency[Actor],
    ) -> MemberOut:
        member = await access.own_household(db_session, caisse, actor)
        return await _detail(db_session, caisse, member, actor)


CONTROLLERS = [MemberController]
