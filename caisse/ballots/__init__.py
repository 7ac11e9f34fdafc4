"""Committee ballots (scrutins): secret, one person one vote, recusal, results that bind."""
