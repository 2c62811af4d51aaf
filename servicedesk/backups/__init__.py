"""Backups: one archive with the database's dump, the attachments and a manifest, and its restore.

``manage.py backup`` and ``manage.py restore`` (decision record 0033); docs/operations.md says how to use them.
"""
