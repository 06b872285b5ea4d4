from typing import Any

from django.core.management.base import CommandError, CommandParser

from config.accounts.models import User
from programs.access import Capability, can
from programs.imports import ImportCommand
from programs.models import Membership, Organization
from supervision.log_import import PaperLogImporter


class Command(ImportCommand):
    help = (
        "Import supervision logs kept on paper from CSV or Excel .xlsx (external_id,"
        "supervisor_email,supervisee_emails,date,start_time,end_time,signed_on; "
        "supervisee_emails separated by ';', signed_on blank if the paper was not "
        "signed). All rows or none; an external_id lands once."
    )
    importer = PaperLogImporter

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help=(
                "the organization admin or program manager transcribing the logs; recorded "
                "on each log and in the audit log"
            ),
        )

    # The shared command makes its importer without an actor; this one names who imported
    # the logs.
    def make_importer(self, organization: Organization, options: dict[str, Any]) -> Any:
        actor = _actor(organization, options["actor"]) if options["actor"] else None
        return self.importer(organization=organization, actor=actor)


def _actor(org: Organization, email: str) -> User:
    member = (
        Membership.objects.filter(
            organization=org, user__email__iexact=email.strip(), user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if member is None or not can(member, Capability.MANAGE_SUPERVISION):
        raise CommandError(
            f"--actor {email}: not an active organization admin or program manager of {org.slug}."
        )
    return member.user
