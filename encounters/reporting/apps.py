from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Reports sit above every app whose figures they read, so they are an app of their own
    (label `reporting`), nested in encounters because most of their figures are encounters'."""

    name = "encounters.reporting"
    label = "reporting"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Audit labels and visibility rules register themselves when imported.
        from encounters.reporting import events, needs_you, sections, selectors  # noqa: F401
        from programs.extensions import add_home_section, set_billing_estimator

        add_home_section(sections.dashboard_section)
        add_home_section(needs_you.needs_you_section)
        set_billing_estimator(sections.medicaid_estimate)
