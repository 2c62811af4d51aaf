"""Sign-in protection: lockout after repeated failures (django-axes), the client's address, and the security log.

Decision record 0021 (docs/decisions/0021-sign-in-protection.md) says what is locked, for how long, and why.
"""
