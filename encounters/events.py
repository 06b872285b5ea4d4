"""Audit events of clients, encounters, payers and the survey.

Each code is stored in the audit row; its label is what a reader sees.
"""

from programs.audit import event

CLIENT_CREATED = event("client.created", "Client record created")
CLIENT_LISTED = event("client.listed", "Client list opened")
CLIENT_UPDATED = event("client.updated", "Client record changed")
CLIENT_VIEWED = event("client.viewed", "Client record opened")
ENCOUNTER_CREATED = event("encounter.created", "Encounter logged")
ENCOUNTER_LISTED = event("encounter.listed", "Encounter list opened")
ENCOUNTER_REBILLED = event("encounter.rebilled", "Encounter billed again")
ENCOUNTER_UPDATED = event("encounter.updated", "Encounter corrected")
ENCOUNTER_VIEWED = event("encounter.viewed", "Encounter opened")
PAYER_CREATED = event("payer.created", "Payer added")
PAYER_UPDATED = event("payer.updated", "Payer changed")
RATE_CORRECTED = event("rate.corrected", "Payer rate corrected")
RATE_CREATED = event("rate.created", "Payer rate added")
RATE_REMOVED = event("rate.removed", "Payer rate removed")
SURVEY_ANSWERED = event("survey.answered", "Survey answered")
SURVEY_OFFERED = event("survey.offered", "Survey offered")
SURVEY_PUBLISHED = event("survey.published", "Survey questions changed")
