"""The model's build 2 (decision 0067) gives other vectors: those of build 1 are cleared, as decision 0061 says of a
model of the same length, and the sweep and ``manage.py embed_known_errors`` compute them again. On a processor
without VNNI build 1's were noise."""

from django.db import migrations

CLEAR = "UPDATE knowledge_knownerror SET embedding = NULL, embedded_digest = '' WHERE embedding IS NOT NULL"


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_known_error_sentences")]

    operations = [migrations.RunSQL(CLEAR, migrations.RunSQL.noop)]
