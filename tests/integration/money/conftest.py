from tests.ledger_checks import money_caisse, money_world

__all__ = ["money_caisse", "money_world"]
