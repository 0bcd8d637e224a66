"""Method comparison at equal token budgets: arms, seeds, the token sweep, the table."""
