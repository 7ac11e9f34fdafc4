"""`caisse redemptions ...` (outlets' requests to turn credit into euros: list, approve, reject) and
`caisse payouts ...` (pay approved redemptions by a SEPA transfer file: create, list, show, export).

Amounts are printed in euros; `--json` prints integer cents, as the API does.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from caisse.amounts import format_euros
from caisse.auth import audit
from caisse.caisses.service import caisse_for_command
from caisse.cli.ledger import DAY
from caisse.cli.support import domain_errors_exit, print_json, run_in_transaction
from caisse.redemptions import approval, batch_lookup, batches, requests
from caisse.redemptions.changes import history_of
from caisse.redemptions.models import PayoutBatch, Redemption, RedemptionStatus
from caisse.redemptions.schemas import PayoutBatchView, RedemptionView

CAISSE = click.option("--caisse", "slug", default=None, help="Caisse slug (default: the only caisse).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON (amounts in cents).")


async def _view(session: AsyncSession, redemption: Redemption) -> RedemptionView:
    row = await requests.redemption_row(session, redemption)
    return RedemptionView.of(row, (await history_of(session, [redemption.id]))[redemption.id])


def _line(v: RedemptionView) -> str:
    batch = f"  {v.batch_reference}" if v.batch_reference else ""
    return f"{v.id:>6}  {v.status.value:<9} {format_euros(v.amount_cents):>14}  {v.outlet_name}{batch}"


@click.group()
def redemptions() -> None:
    """Outlets' requests to redeem their credit for euros (reconversion)."""


@redemptions.command("list")
@click.option("--status", type=click.Choice([s.value for s in RedemptionStatus]), default=None)
@click.option("--outlet", "outlet_id", type=click.IntRange(min=1), default=None, help="Outlet id.")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@CAISSE
@AS_JSON
@domain_errors_exit
def list_redemptions(
    status: str | None, outlet_id: int | None, limit: int, offset: int, slug: str | None, as_json: bool
) -> None:
    """Redemptions, newest first."""

    async def work(session: AsyncSession) -> tuple[list[RedemptionView], int]:
        caisse = await caisse_for_command(session, slug)
        rows, total = await requests.list_redemptions(
            session, caisse.id, status=status, outlet_id=outlet_id, limit=limit, offset=offset
        )
        history = await history_of(session, [r.redemption.id for r in rows])
        return [RedemptionView.of(r, history[r.redemption.id]) for r in rows], total

    items, total = run_in_transaction(work)
    if as_json:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    if not items:
        click.echo("No redemption.")
        return
    for item in items:
        click.echo(_line(item))
    click.echo(f"{len(items)} of {total} redemption(s)")


def _decided(view: RedemptionView, as_json: bool) -> None:
    if as_json:
        print_json(view)
    else:
        amount = format_euros(view.amount_cents)
        click.echo(f"redemption {view.id} {view.status.value}: {amount} to {view.outlet_name}")


@redemptions.command("approve")
@click.argument("redemption_id", type=click.IntRange(min=1))
@CAISSE
@AS_JSON
@domain_errors_exit
def approve(redemption_id: int, slug: str | None, as_json: bool) -> None:
    """Approve a request: it is paid in the next payout batch."""

    async def work(session: AsyncSession) -> RedemptionView:
        caisse = await caisse_for_command(session, slug)
        done = await approval.approve_redemption(session, caisse.id, redemption_id, by_user_id=None)
        return await _view(session, done)

    _decided(run_in_transaction(work), as_json)


@redemptions.command("reject")
@click.argument("redemption_id", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why; the outlet reads it.")
@CAISSE
@AS_JSON
@domain_errors_exit
def reject(redemption_id: int, reason: str, slug: str | None, as_json: bool) -> None:
    """Reject a request, saying why."""

    async def work(session: AsyncSession) -> RedemptionView:
        caisse = await caisse_for_command(session, slug)
        done = await approval.reject_redemption(
            session, caisse.id, redemption_id, reason=reason, by_user_id=None
        )
        return await _view(session, done)

    _decided(run_in_transaction(work), as_json)


@click.group()
def payouts() -> None:
    """Payout batches: approved redemptions paid by one SEPA credit-transfer file (pain.001)."""


def _summary(b: PayoutBatchView) -> str:
    return (
        f"{b.reference}  {b.execution_date.isoformat()}  {b.transfer_count:>4} transfer(s)  "
        f"{format_euros(b.total_cents):>14}  (batch {b.id}, entry {b.entry_id})"
    )


@payouts.command("create")
@click.option("--date", "day", type=DAY, required=True, help="Execution date asked of the bank (YYYY-MM-DD).")
@click.option(
    "--redemption", "redemption_ids", type=click.IntRange(min=1), multiple=True,
    help="Pay only this approved redemption (repeat the option); default: every approved one.",
)  # fmt: skip
@click.option(
    "--key", "idempotency_key", default=None, help="Idempotency key: a rerun with it creates nothing."
)
@CAISSE
@AS_JSON
@domain_errors_exit
def create(
    day: datetime,
    redemption_ids: tuple[int, ...],
    idempotency_key: str | None,
    slug: str | None,
    as_json: bool,
) -> None:
    """Pay approved redemptions: writes the SEPA file and the CSV, posts the ledger entry."""

    async def work(session: AsyncSession) -> tuple[PayoutBatchView, bool]:
        caisse = await caisse_for_command(session, slug)
        result = await batches.create_payout_batch(
            session, caisse, execution_date=day.date(), redemption_ids=list(redemption_ids) or None,
            idempotency_key=idempotency_key,
        )  # fmt: skip
        return PayoutBatchView.of(result.record, batch_lookup.transfers_of(result.record)), result.created

    view, created = run_in_transaction(work)
    if as_json:
        print_json({"batch": view, "created": created})
        return
    state = "created" if created else "already created with this key, nothing new"
    click.echo(f"payout batch {state}: {_summary(view)}")
    click.echo(f"export the files with: caisse payouts export {view.reference} --xml FILE --csv FILE")


@payouts.command("list")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@CAISSE
@AS_JSON
@domain_errors_exit
def list_batches(limit: int, offset: int, slug: str | None, as_json: bool) -> None:
    """Payout batches, newest first."""

    async def work(session: AsyncSession) -> tuple[list[PayoutBatchView], int]:
        caisse = await caisse_for_command(session, slug)
        rows, total = await batch_lookup.list_batches(session, caisse.id, limit=limit, offset=offset)
        return [PayoutBatchView.of(b) for b in rows], total

    items, total = run_in_transaction(work)
    if as_json:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    for item in items:
        click.echo(_summary(item))
    click.echo(f"{len(items)} of {total} payout batch(es)")


async def _batch(session: AsyncSession, slug: str | None, batch: str) -> PayoutBatch:
    caisse = await caisse_for_command(session, slug)
    return await batch_lookup.get_batch(session, caisse.id, batch)


@payouts.command("show")
@click.argument("batch")
@CAISSE
@AS_JSON
@domain_errors_exit
def show(batch: str, slug: str | None, as_json: bool) -> None:
    """A batch (by id or reference, e.g. VIR-2027-03-0001) and its transfers, IBANs masked."""

    async def work(session: AsyncSession) -> PayoutBatchView:
        found = await _batch(session, slug, batch)
        return PayoutBatchView.of(found, batch_lookup.transfers_of(found))

    view = run_in_transaction(work)
    if as_json:
        print_json(view)
        return
    click.echo(_summary(view))
    click.echo(f"message id {view.message_id}, from {view.debtor_name} ({view.debtor_iban_masked})")
    for t in view.transfers or []:
        click.echo(f"  {t.reference:<28} {format_euros(t.amount_cents):>14}  {t.outlet} ({t.iban_masked})")


@payouts.command("export")
@click.argument("batch")
@click.option("--xml", "xml_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@CAISSE
@AS_JSON
@domain_errors_exit
def export(batch: str, xml_path: Path | None, csv_path: Path | None, slug: str | None, as_json: bool) -> None:
    """Write the batch's SEPA file (--xml, to upload to the bank) and/or its CSV (--csv), exactly as
    stored when the batch was made."""
    if xml_path is None and csv_path is None:
        raise click.UsageError("Give --xml FILE, --csv FILE or both.")

    async def work(session: AsyncSession) -> PayoutBatch:
        found = await _batch(session, slug, batch)
        # The files carry the outlets' IBANs: exports are logged, as downloads through the API are.
        await audit.record(
            session, actor=None, caisse_id=found.caisse_id, action="payout_batch.download",
            subject_type="outlet", subject_ids=await batch_lookup.outlet_ids_of(session, found),
            fields=["iban", "bic"], note=f"{found.reference} export",
        )  # fmt: skip
        return found

    found = run_in_transaction(work)
    written: dict[str, Any] = {"reference": found.reference}
    for path, content, name in ((xml_path, found.pain001_xml, "xml"), (csv_path, found.payouts_csv, "csv")):
        if path is not None:
            try:
                path.write_bytes(content.encode("utf-8"))
            except OSError as exc:
                raise click.ClickException(f"Cannot write {path}: {exc.strerror}.") from None
            written[name] = str(path)
    if as_json:
        print_json(written)
        return
    for name in ("xml", "csv"):
        if name in written:
            click.echo(f"{found.reference}: {name.upper()} written to {written[name]}")
