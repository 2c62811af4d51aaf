"""Incident pages, one module per part of the process: recording a call, the list and incident page,
the serious-incident notices, and storms and the evidence of a master incident."""
