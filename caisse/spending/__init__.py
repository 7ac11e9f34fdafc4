"""Spending the food credit: payments at conventioned outlets, by member code and PIN, and refunds."""
