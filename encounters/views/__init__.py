"""Pages of clients, encounters, payers and the survey, one module per concern."""
