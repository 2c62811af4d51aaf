"""Core: the one door every room writes an incident through (its lock, its save with the version, its journal
entry) and the checks and values they share."""
