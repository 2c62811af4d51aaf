"""Recording: logging a call, the similar incidents and storms, the evidence for impact, and correcting details."""
