"""The web admin at /admin: login, the portfolio, debtors, and (later) limits and the audit."""
