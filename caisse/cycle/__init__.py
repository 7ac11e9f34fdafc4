"""The monthly cycle: closing a month (contributions due, expiry, allocations) and credit
withheld until a contribution is paid.

Import from the modules: `caisse.cycle.close.close_month`, `caisse.cycle.status.cycle_status`,
`caisse.cycle.withheld.release_paid_allocations`, `caisse.cycle.models`. (Re-exporting them here
would make `caisse.caisses.service`, which needs `caisse.cycle.models`, import the close, which
needs that service.)
"""
