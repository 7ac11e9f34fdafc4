"""Importing households from a spreadsheet's CSV export, in two steps: upload and preview, then
confirm. Nothing is written before the confirmation.

1. The upload (multipart, at most `MAX_BYTES`; a .csv or .txt file, or text) is checked by the
   import itself in dry-run mode (`caisse.members.importing.import_households`: every line,
   database included), and the lines it would create are listed from the same parse
   (`caisse.members.csv_import.parse_households`). A file with problems lists every one with its
   line number and column (the import is all or nothing), and offers the upload again.
2. The preview page carries the file to the confirmation itself, so the server keeps nothing
   between the steps: its bytes (URL-safe base64) in a hidden field, with a random nonce, and an HMAC-SHA256
   signature over the caisse, the user, the nonce and the file's SHA-256, keyed by the app's
   secret (the one that signs form tokens). The nonce starts with the preview's time, so a preview
   older than `PREVIEW_LIFETIME` is refused too. A confirmation whose file or signature was altered,
   that is too old, or that comes from another user or caisse, is refused with a request to upload
   again; with no configured secret (`CAISSE_SECRET_KEY`), a restart also invalidates an open preview.
3. The confirmation locks the caisse, imports, and records the import in the audit log under the
   digest of nonce and file ("member.import_file"). A second confirmation of the same preview (a
   double click, a reload, the back button) finds that record under the same lock and imports
   nothing: it shows the first import's result.
4. Each import also records the file's fingerprint (`fingerprint`: SHA-256 of its text, decoded,
   with line ends and trailing blanks evened out) under "member_import_fingerprint". Uploading a file
   this caisse already imported (say, two volunteers with the same monthly export) shows on the
   preview when and by whom it was imported, and the confirmation then imports it again only with an
   explicit tick: households without an e-mail would otherwise be registered twice, unnoticed. The
   check is made again under the caisse's lock, so two previews of one file confirmed side by side
   import it once.

The file's format: docs/csv-import.md (the columns are listed on the upload page).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import func, select

from caisse.auth import audit
from caisse.auth.actor import Actor
from caisse.auth.models import AuditEvent, User
from caisse.auth.routes.markers import Caller, DbSession, PathCaisse
from caisse.caisses.locking import lock_caisse
from caisse.caisses.models import Caisse
from caisse.errors import NotFound, ValidationFailed
from caisse.members.csv_import import (
    COLUMNS,
    MAX_BYTES,
    CsvFileError,
    ParsedRow,
    decode,
    parse_households,
)
from caisse.members.importing import import_households
from caisse.members.models import Member
from caisse.periods import caisse_today
from web.pages.staff.forms import GUARD, STATUS_LABELS, PathText, staff_url
from web.pages.staff.people.import_messages import file_problem, problems_shown
from web.render import page, translator

# The preview lists this many lines; the count says how many more the file holds.
SHOWN_ROWS = 200
# A multipart upload of MAX_BYTES, and its base64 form sent back with the confirmation (the URL-safe
# alphabet, which a form's encoding leaves as it is).
UPLOAD_LIMIT = MAX_BYTES + 512 * 1024
CONFIRM_LIMIT = MAX_BYTES * 4 // 3 + 64 * 1024
# A file is taken when its name ends like a CSV export, or when the browser says it is text
# (a name without an extension); the import itself then reads it, or says why not.
TEXT_TYPES = ("text/csv", "text/plain", "application/csv")
ACCEPTED_SUFFIXES = (".csv", ".txt", ".tsv")
AUDIT_ACTION = "member.import_file"
AUDIT_SUBJECT = "member_import"
FINGERPRINT_SUBJECT = "member_import_fingerprint"
_DIGEST = r"[0-9a-f]{64}"
# How long a preview can be confirmed (the file may have been changed and imported since).
PREVIEW_LIFETIME = 3600
FORMAT_DOC = Path(__file__).resolve().parents[4] / "docs" / "csv-import.md"


class ConfirmForm(msgspec.Struct):
    content: str = ""
    nonce: str = ""
    signature: str = ""
    # The file's name, shown back if the confirmation is refused (display only).
    filename: str = ""
    # Ticked to import a file this caisse already imported.
    encore: str = ""


@dataclass(frozen=True)
class EarlierImport:
    """The latest import of the same file in this caisse: when, by whom, what it registered."""

    at: datetime
    by: str
    imported: int
    first: str
    last: str
    times: int


def fingerprint(data: bytes) -> str:
    """The file's content, whatever its encoding, line ends, BOM or trailing blanks: the SHA-256 of
    its text with each line stripped at the right, blank lines dropped, in Unicode NFC."""
    try:
        text, _encoding = decode(data)
    except CsvFileError:  # pragma: no cover - the dry run said the file reads
        return hashlib.sha256(data).hexdigest()
    lines = (line.rstrip() for line in unicodedata.normalize("NFC", text).lstrip("\ufeff").splitlines())
    return hashlib.sha256("\n".join(line for line in lines if line).encode()).hexdigest()


Likeness = tuple[str, int, int, int, int]


def _likeness(name: str, income: int, adults: int, others: int, children: int) -> Likeness:
    return (" ".join(name.casefold().split()), income, adults, others, children)


async def look_alikes(db: Any, caisse: Caisse, rows: list[ParsedRow]) -> dict[int, str]:
    """Line -> the code of a household of the caisse with the same name (case and spacing aside),
    income and composition: most likely the same household, which importing would register twice.
    Households are read by income (exact in SQL on every database), names compared here."""
    wanted: dict[Likeness, int] = {}
    for row in rows:
        h = row.household
        key = _likeness(
            h.reference_person, h.monthly_income_cents, h.adults, h.others_14_plus, h.children_under_14
        )
        wanted.setdefault(key, row.line)
    incomes = sorted({key[1] for key in wanted})
    found: dict[int, str] = {}
    for start in range(0, len(incomes), 500):
        chunk = incomes[start : start + 500]
        members = await db.execute(
            select(
                Member.code, Member.reference_person, Member.monthly_income_cents, Member.adults,
                Member.others_14_plus, Member.children_under_14,
            ).where(Member.caisse_id == caisse.id, Member.monthly_income_cents.in_(chunk))
        )  # fmt: skip
        for code, *values in members:
            line = wanted.get(_likeness(*values))
            if line is not None:
                found.setdefault(line, code)
    return found


async def earlier_import(db: Any, caisse: Caisse, data: bytes) -> EarlierImport | None:
    """The latest import of this file's content in the caisse, if any."""
    condition = (
        AuditEvent.subject_type == FINGERPRINT_SUBJECT,
        AuditEvent.subject_id == fingerprint(data),
        AuditEvent.caisse_id == caisse.id,
    )
    found = (
        await db.execute(
            select(AuditEvent, User.display_name)
            .outerjoin(User, User.id == AuditEvent.actor_user_id)
            .where(*condition)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(1)
        )
    ).first()
    if found is None:
        return None
    event, name = found
    times = await db.scalar(select(func.count()).select_from(AuditEvent).where(*condition))
    outcome = json.loads(json.loads(event.detail).get("note", "{}"))
    return EarlierImport(
        at=event.at, by=name or "—", imported=int(outcome.get("imported", 0)),
        first=str(outcome.get("first", "")), last=str(outcome.get("last", "")), times=int(times or 1),
    )  # fmt: skip


def _signature(request: Request[Any, Any, Any], caisse: Caisse, actor: Actor, nonce: str, data: bytes) -> str:
    secret = request.app.csrf_config.secret if request.app.csrf_config else ""
    message = f"member-import|{caisse.slug}|{actor.user_id}|{nonce}|{hashlib.sha256(data).hexdigest()}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _now() -> float:
    return time.time()


def _fresh(nonce: str) -> bool:
    """Whether the preview whose nonce this is was made within `PREVIEW_LIFETIME`."""
    issued, _dot, _token = nonce.partition(".")
    return bool(re.fullmatch(r"[0-9]{1,12}", issued)) and 0 <= _now() - int(issued) <= PREVIEW_LIFETIME


def _digest(nonce: str, data: bytes) -> str:
    return hashlib.sha256(nonce.encode() + b"|" + data).hexdigest()


def _upload_page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    problems: list[dict[str, object]] | None = None,
    filename: str = "",
) -> Template:
    return page(
        request, "staff/people/import.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="import", errors=errors or {}, problems=problems or [], filename=filename, columns=COLUMNS,
        max_mb=MAX_BYTES // 1024 // 1024,
    )  # fmt: skip


def _refused_upload(
    request: Request[Any, Any, Any], caisse: Caisse, exc: ValidationFailed, *, filename: str
) -> Template:
    """The upload page again with what the import refused, in the reader's words."""
    _ = translator(request)
    if not exc.problems:
        errors: dict[str, str] = {"fichier": file_problem(exc.detail, _)}
        return _upload_page(request, caisse, status=422, errors=errors, filename=filename)
    shown = problems_shown(exc.problems, _)
    return _upload_page(request, caisse, status=422, problems=shown, filename=filename)


@get("/c/{slug:str}/gestion/membres/import", name="staff-import", guards=GUARD)
async def upload_form(request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller) -> Template:
    return _upload_page(request, caisse)


async def _uploaded(request: Request[Any, Any, Any]) -> tuple[bytes | None, str, str | None]:
    """(the file's bytes, its name, what is wrong with it)."""
    _ = translator(request)
    form = await request.form()
    upload = form.get("fichier")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, "", _("Choose the CSV file to import.")
    name = upload.filename[-200:]
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".xls", ".ods")):
        return (
            None,
            name,
            _("This is a spreadsheet file, not CSV: export it from your spreadsheet as CSV (UTF-8)."),
        )
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if not lowered.endswith(ACCEPTED_SUFFIXES) and content_type not in TEXT_TYPES:
        return None, name, _("Choose a CSV file (its name ends in .csv).")
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return (
            None,
            name,
            _("The file is larger than %(mb)s MB: split it into several files.")
            % {"mb": MAX_BYTES // 1024 // 1024},
        )
    if not data.strip():
        return None, name, _("The file is empty: it needs a header line and one line per household.")
    return data, name, None


def _rows(data: bytes) -> list[ParsedRow]:
    try:
        return list(parse_households(data, today=caisse_today()).rows)
    except CsvFileError:  # pragma: no cover - the dry run said the file reads
        return []


@post(
    "/c/{slug:str}/gestion/membres/import",
    name="staff-import-preview",
    guards=GUARD,
    request_max_body_size=UPLOAD_LIMIT,
    # A larger upload's 413 page states the file's limit, not the form's.
    opt={"upload_limit": MAX_BYTES},
)
async def preview(
    request: Request[Any, Any, Any], caisse: PathCaisse, actor: Caller, db_session: DbSession
) -> Template:
    """Checks the whole file (dry run: nothing written) and shows what the import would do."""
    data, name, problem = await _uploaded(request)
    if data is None:
        return _upload_page(request, caisse, status=422, errors={"fichier": problem or ""}, filename=name)
    try:
        report = await import_households(db_session, caisse, data, actor=actor, dry_run=True)
    except ValidationFailed as exc:
        return _refused_upload(request, caisse, exc, filename=name)
    nonce = f"{int(_now())}.{secrets.token_urlsafe(16)}"
    return await _preview_page(request, caisse, actor, db_session, data, name, nonce, report)


async def _preview_page(
    request: Request[Any, Any, Any],
    caisse: Caisse,
    actor: Actor,
    db: Any,
    data: bytes,
    name: str,
    nonce: str,
    report: Any,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Template:
    rows = _rows(data)
    return page(
        request, "staff/people/import_preview.html", status=status, caisse=caisse, caisse_nav=caisse,
        section="import", filename=name, report=report, rows=rows[:SHOWN_ROWS],
        more=max(0, len(rows) - SHOWN_ROWS), statuses=STATUS_LABELS,
        content=base64.urlsafe_b64encode(data).decode(), nonce=nonce,
        signature=_signature(request, caisse, actor, nonce, data),
        earlier=await earlier_import(db, caisse, data), errors=errors or {},
        alikes=await look_alikes(db, caisse, rows),
    )  # fmt: skip


def _result_url(caisse: Caisse, digest: str, again: bool = False) -> str:
    return staff_url(caisse, f"/membres/import/{digest}" + ("?deja=1" if again else ""))


async def _recorded(db: Any, caisse: Caisse, digest: str) -> AuditEvent | None:
    return await db.scalar(
        select(AuditEvent).where(
            AuditEvent.subject_type == AUDIT_SUBJECT,
            AuditEvent.subject_id == digest,
            AuditEvent.caisse_id == caisse.id,
        )
    )


@post(
    "/c/{slug:str}/gestion/membres/import/confirmer",
    name="staff-import-confirm",
    guards=GUARD,
    request_max_body_size=CONFIRM_LIMIT,
)
async def confirm(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    data: URLEncodedBody[ConfirmForm],
) -> Response[Any]:
    _ = translator(request)
    expired = _(
        "This preview cannot be confirmed any more (it was changed, or is too old): upload the file again."
    )
    try:
        content = base64.b64decode(data.content.encode(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        content = b""
    expected = _signature(request, caisse, actor, data.nonce, content)
    if not content or not data.nonce or not hmac.compare_digest(expected, data.signature):
        return _upload_page(request, caisse, status=400, errors={"fichier": expired})
    digest = _digest(data.nonce, content)
    if not _fresh(data.nonce) and await _recorded(db_session, caisse, digest) is None:
        return _upload_page(request, caisse, status=400, errors={"fichier": expired})
    # One confirmation at a time per caisse: a second one waits here, then finds the first's record.
    caisse = await lock_caisse(db_session, caisse)
    if await _recorded(db_session, caisse, digest) is not None:
        return Redirect(path=_result_url(caisse, digest, again=True), status_code=303)
    if not data.encore and await earlier_import(db_session, caisse, content) is not None:
        try:
            report = await import_households(db_session, caisse, content, actor=actor, dry_run=True)
        except ValidationFailed:
            report = None
        if report is not None:
            refused = _("This file was already imported: tick the box to import it a second time.")
            return await _preview_page(
                request, caisse, actor, db_session, content, data.filename[-200:], data.nonce, report,
                status=409, errors={"encore": refused},
            )  # fmt: skip
    try:
        report = await import_households(db_session, caisse, content, actor=actor)
    except ValidationFailed as exc:
        return _refused_upload(request, caisse, exc, filename=data.filename[-200:])
    note = json.dumps({"imported": report.imported, "first": report.codes[0], "last": report.codes[-1]})
    await audit.record(
        db_session, actor=actor, caisse_id=caisse.id, action=AUDIT_ACTION, subject_type=AUDIT_SUBJECT,
        subject_ids=[digest], note=note,
    )  # fmt: skip
    await audit.record(
        db_session, actor=actor, caisse_id=caisse.id, action=AUDIT_ACTION, subject_type=FINGERPRINT_SUBJECT,
        subject_ids=[fingerprint(content)], note=note,
    )  # fmt: skip
    return Redirect(path=_result_url(caisse, digest), status_code=303)


@get("/c/{slug:str}/gestion/membres/import/format", name="staff-import-format", guards=GUARD)
async def import_format(caisse: PathCaisse) -> Response[str]:
    """The format's documentation (docs/csv-import.md), as plain text."""
    try:
        text = FORMAT_DOC.read_text(encoding="utf-8")
    except OSError:  # an installed package without the repository's docs
        raise NotFound(
            "The import format's document is not installed here; see docs/csv-import.md."
        ) from None
    return Response(text, media_type="text/plain")  # Litestar adds "; charset=utf-8"


@get("/c/{slug:str}/gestion/membres/import/{digest:str}", name="staff-import-done", guards=GUARD)
async def done(
    request: Request[Any, Any, Any],
    caisse: PathCaisse,
    actor: Caller,
    db_session: DbSession,
    digest: PathText,
    deja: Annotated[str | None, QueryParameter(max_length=10)] = None,
) -> Template:
    event = await _recorded(db_session, caisse, digest) if re.fullmatch(_DIGEST, digest) else None
    if event is None:
        raise NotFound("No import with this reference in this caisse.")
    outcome = json.loads(event.detail).get("note", "{}")
    return page(
        request, "staff/people/import_done.html", caisse=caisse, caisse_nav=caisse, section="import",
        outcome=json.loads(outcome), again=deja is not None, at=event.at,
    )  # fmt: skip
