"""The model's build 2 (decision 0067) gives other vectors: the open incidents' vectors of build 1 are deleted, as
decision 0061 says of a model of the same length, and the sweep and ``manage.py embed_incidents`` compute them
again. On a processor without VNNI build 1's were noise."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0033_webhook_subscriptions_stamped")]

    operations = [migrations.RunSQL("DELETE FROM incidents_incidentmeaning", migrations.RunSQL.noop)]
