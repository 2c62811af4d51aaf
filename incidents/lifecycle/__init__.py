"""Lifecycle: the only place an incident's state changes. The steps, who may take them, and what a refusal says."""
