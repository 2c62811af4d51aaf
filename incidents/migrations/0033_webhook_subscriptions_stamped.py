"""The webhook subscriptions join the configuration a recording reads from its process's cache (decision records
0037 and 0059): any change to them moves the configuration's stamp, as a change to the service levels does."""

from django.db import migrations

TABLE = "incidents_webhooksubscription"

CREATE = (
    f"CREATE TRIGGER {TABLE}_configuration_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE}"
    " FOR EACH STATEMENT EXECUTE FUNCTION incidents_configuration_changed()"
)
DROP = f"DROP TRIGGER {TABLE}_configuration_changed ON {TABLE}"


class Migration(migrations.Migration):
    dependencies = [("incidents", "0032_incident_meaning")]

    operations = [migrations.RunSQL(CREATE, DROP)]
