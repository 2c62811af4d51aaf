"""Service levels: business-time arithmetic, the clock of each incident, the groups' handoffs and the sweep."""
