"""Supervision pages, one module per concern (home and ratio, logs, supervisors,
agreements, the Board record, hours worked)."""
