"""Members: households, their personal data (protected and audited) and the CSV import.

Import from the modules. The package itself loads nothing, so the ledger, the cycle and
`caisse.db.models` import `caisse.members.models` without loading the member services. Each module
imports only modules on its own line or above:

- `models` (Member, MemberStatus, MemberStatusChange), `text`, `status`, `codes`
- `household` (check_household, Household), `chosen` (contribution choices), `csv_import` (pure parsing)
- `registration` (create_member, create_members), `importing` (import_households)
- `service` (get_member, list_members, update_member, change_status, ...), `access` (who sees what)
- `schemas` and `routes` (the HTTP API)
"""
