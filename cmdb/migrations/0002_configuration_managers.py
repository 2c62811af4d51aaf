from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).get_or_create(name="Configuration managers")


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name="Configuration managers").delete()


class Migration(migrations.Migration):
    """The role that edits and imports the CMDB (its permissions: servicedesk/roles.py)."""

    dependencies = [("cmdb", "0001_initial"), ("servicedesk", "0002_roles")]

    operations = [migrations.RunPython(create_group, remove_group)]
