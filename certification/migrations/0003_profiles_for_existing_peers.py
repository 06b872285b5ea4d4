"""Peers who joined before profiles were made on joining get theirs now."""

from django.db import migrations


def forwards(apps, schema_editor):
    Membership = apps.get_model("programs", "Membership")
    PeerProfile = apps.get_model("certification", "PeerProfile")
    have = set(PeerProfile.objects.values_list("membership_id", flat=True))
    PeerProfile.objects.bulk_create(
        PeerProfile(membership_id=pk)
        for pk in Membership.objects.filter(role="peer_supporter").values_list("pk", flat=True)
        if pk not in have
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0002_certification_one_record_per_certification_and_more"),
        ("programs", "0007_program_phase_program_phase_since_checklistitem_and_more"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
