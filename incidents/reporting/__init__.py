"""Reporting: the day figures kept by the database, the managers' dashboard, reports and charts."""
