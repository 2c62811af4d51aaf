"""Directory and configuration data: locations, callers, support groups, services, CIs and changes."""
