"""Metrics in Prometheus's text format at ``/metrics``: each process's own counters (requests, Celery tasks),
summed over a host's processes in multiprocess mode, and the apps' figures read from the database at scrape
time. Decision record 0030."""
