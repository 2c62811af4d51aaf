"""The test client of the suite: ``force_login`` stands for a whole sign-in, the second factor included.

Django's ``force_login`` already skips the password; here it also skips the code, as for a user who has set up
an authenticator app and entered its code. Without it every test of an administrator would meet the set-up page
(administrators must use two-factor sign-in: ``MFA_REQUIRED_ROLES``). The gate itself is tested with Django's
plain ``Client`` and the real sign-in form (tests/servicedesk/test_mfa.py, tests/e2e/test_mfa.py).
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from servicedesk.twofactor.state import DONE, STATE, VERIFIED


class SignedInClient(Client):
    def force_login(self, user: Any, backend: str | None = None) -> None:
        super().force_login(user, backend)
        session = self.session
        if session.get(STATE) in DONE:
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Test app", confirmed=True
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[STATE] = VERIFIED
        session.save()
