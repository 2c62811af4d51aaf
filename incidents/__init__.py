"""Incidents: recording, the lifecycle, the journal, service levels, queues and dashboards."""
