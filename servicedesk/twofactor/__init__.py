"""Two-factor sign-in (django-otp): codes from an authenticator app (TOTP) and one-time recovery codes, asked
after the password, and required of the roles ``MFA_REQUIRED_ROLES`` names.

Decision record 0023 (docs/decisions/0023-two-factor.md) says who is asked, when, and why.
"""
