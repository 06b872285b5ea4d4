"""Audit events of staff profiles, certification and CEUs.

Each code is stored in the audit row; its label is what a reader sees.
"""

from programs.audit import event

CERTIFICATE_DOWNLOADED = event("certificate.downloaded", "Certificate downloaded")
CERTIFICATION_CORRECTED = event("certification.corrected", "Certification dates corrected")
CERTIFICATION_LAPSED = event("certification.lapsed", "Certification lapse recorded")
CERTIFICATION_RECORDED = event("certification.recorded", "Certification recorded")
CERTIFICATION_REINSTATED = event("certification.reinstated", "Certification reinstated")
CERTIFICATION_RENEWED = event("certification.renewed", "Certification renewed")
CEU_ADDED = event("ceu.added", "CEU hours added")
CEU_DELETED = event("ceu.deleted", "CEU entry removed")
CEU_STANDING_EXPORTED = event("ceu_standing.exported", "CEU standing exported")
EVIDENCE_DOWNLOADED = event("evidence.downloaded", "Checklist evidence downloaded")
LAPSE_WITHDRAWN = event("certification.lapse_withdrawn", "Certification lapse withdrawn")
PROFILE_RECOVERY_DATE_VIEWED = event("profile.recovery_date_viewed", "Recovery date opened")
PROFILE_UPDATED = event("profile.updated", "Staff profile changed")
REMINDERS_SENT = event("reminders.sent", "CEU reminders sent")
RENEWAL_CORRECTED = event("certification.renewal_corrected", "Certification renewal corrected")
