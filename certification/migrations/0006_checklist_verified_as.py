"""Who verified each checklist step. Steps already marked get the capacity of whoever last
marked them: the peer themself, a manager or admin, or the app's records (no person, or
someone else). A background check a peer ticked themself stays marked by the peer, so the
page shows that a manager has yet to verify it."""

from django.db import migrations, models


def capacity_of_who_marked(apps, schema_editor):
    ChecklistItem = apps.get_model("certification", "ChecklistItem")
    Membership = apps.get_model("programs", "Membership")
    roles = {
        (m["user_id"], m["organization_id"]): m["role"]
        for m in Membership.objects.values("user_id", "organization_id", "role")
    }
    items = ChecklistItem.objects.select_related("profile__membership")
    for item in items.iterator():
        peer = item.profile.membership
        if item.updated_by_id is None:
            verified_as = "record"
        elif item.updated_by_id == peer.user_id:
            verified_as = "peer"
        elif roles.get((item.updated_by_id, peer.organization_id)) in (
            "org_admin",
            "program_manager",
        ):
            verified_as = "manager"
        else:
            verified_as = "record"
        ChecklistItem.objects.filter(pk=item.pk).update(verified_as=verified_as)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0005_uploads_are_checked"),
        ("programs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="checklistitem",
            name="verified_as",
            field=models.CharField(
                blank=True,
                choices=[
                    ("peer", "the peer"),
                    ("manager", "a manager"),
                    ("record", "the app's records"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(capacity_of_who_marked, migrations.RunPython.noop),
    ]
