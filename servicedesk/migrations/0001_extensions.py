from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm (similar incidents, typo-tolerant search) and unaccent (names with accents)."""

    dependencies = []

    operations = [TrigramExtension(), UnaccentExtension()]
