"""The default service level: "Standard" over "Office hours" (Monday to Friday, 08:00 to 18:00, in the
portal's time zone), with the desk's usual targets in business time. Administrators change them in the
admin; an existing default is left alone."""

import datetime

from django.conf import settings
from django.db import migrations

# priority: (response, resolution) in business minutes
TARGETS = {1: (15, 4 * 60), 2: (30, 8 * 60), 3: (2 * 60, 24 * 60), 4: (4 * 60, 40 * 60), 5: (8 * 60, 80 * 60)}


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("incidents", "BusinessCalendar")
    WorkingPeriod = apps.get_model("incidents", "WorkingPeriod")
    ServiceLevel = apps.get_model("incidents", "ServiceLevel")
    ServiceLevelTarget = apps.get_model("incidents", "ServiceLevelTarget")
    if ServiceLevel.objects.filter(is_default=True).exists():
        return
    calendar, created = BusinessCalendar.objects.get_or_create(
        name="Office hours", defaults={"time_zone": settings.TIME_ZONE}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=day, start=datetime.time(8), end=datetime.time(18))
            for day in range(5)
        )
    level, _ = ServiceLevel.objects.get_or_create(
        name="Standard",
        defaults={
            "calendar": calendar,
            "description": "The service level of every service that no other service level covers.",
        },
    )
    level.is_default = True
    level.save(update_fields=["is_default"])
    for priority, (response, resolution) in TARGETS.items():
        ServiceLevelTarget.objects.get_or_create(
            service_level=level,
            priority=priority,
            defaults={"response_minutes": response, "resolution_minutes": resolution},
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_service_levels_and_outbox")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
