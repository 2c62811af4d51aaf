from django.db import migrations

# The textbook matrix (incidents/priority.py DEFAULT_MATRIX), as rows the desk can edit in the admin.
MATRIX = [(1, 1, 1), (1, 2, 2), (1, 3, 3), (2, 1, 2), (2, 2, 3), (2, 3, 4), (3, 1, 3), (3, 2, 4), (3, 3, 5)]


def install(apps, schema_editor):
    PriorityRule = apps.get_model("incidents", "PriorityRule")
    for impact, urgency, priority in MATRIX:
        PriorityRule.objects.using(schema_editor.connection.alias).get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
