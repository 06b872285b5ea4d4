"""Funder and cost-savings reports: figures (database aggregates) and their formats."""
