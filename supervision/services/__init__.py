"""Writes for clinical supervision, one module per concern: supervisors' licenses
(`supervisors`), agreements, hours worked, the log (`logs`), its signature (`signing`),
addenda and acknowledgments, paper logs transcribed into the app (`paper_import`) and the
record for the Board (`record_exports`). Every write is audited; a signed log is never
changed."""
