"""Audit events of cost assumptions, program costs and reports.

Each code is stored in the audit row; its label is what a reader sees.
"""

from programs.audit import event

ALTERNATIVE_COST_CORRECTED = event("alternative_cost.corrected", "Cost assumption corrected")
ALTERNATIVE_COST_CREATED = event("alternative_cost.created", "Cost assumption added")
ALTERNATIVE_COST_REMOVED = event("alternative_cost.removed", "Cost assumption removed")
PROGRAM_COST_CREATED = event("program_cost.created", "Program cost line added")
PROGRAM_COST_REMOVED = event("program_cost.removed", "Program cost line removed")
REPORT_DOWNLOADED = event("report.downloaded", "Report downloaded")
REPORT_REQUESTED = event("report.requested", "Report asked for")
REPORT_SCHEDULE_ADDED = event("report.schedule_added", "Report schedule added")
REPORT_SCHEDULE_REMOVED = event("report.schedule_removed", "Report schedule stopped")
