"""CMDB pages, one module per kind of record; ``base`` holds what they share."""
