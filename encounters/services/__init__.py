"""Writes for clients, encounters, billing, payers and the survey, one module per concern."""
