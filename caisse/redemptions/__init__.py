"""Redemptions (reconversion): outlets turn the credit they took into euros, paid by SEPA transfer."""
