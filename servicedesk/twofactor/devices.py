"""The user's second factor: one authenticator app (a django-otp TOTP device) and its recovery codes (a static
device's one-time tokens). Setting up, renewing and removing them, and checking a code."""

from __future__ import annotations

import math
import time
from binascii import unhexlify
from dataclasses import dataclass

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
APP_NAME = "Authenticator app"
CODES_NAME = "Recovery codes"


@dataclass(frozen=True)
class Checked:
    """What a code did: the device that took it, or the seconds to wait before the next try (0: just wrong)."""

    device: Device | None = None
    wait: int = 0

    @property
    def recovery(self) -> bool:
        return isinstance(self.device, StaticDevice)


def has_device(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def app_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalised(code: str) -> str:
    """As typed from a phone or a sheet of paper: spaces and dashes left out, either case."""
    return "".join(code.split()).replace("-", "").lower()


def first_code_step(key: str, code: str) -> int | None:
    """The time step of ``code`` if the app set up with ``key`` shows it now (or one step either side)."""
    code = normalised(code)
    if not code.isdigit():
        return None
    totp = TOTP(unhexlify(key.encode()))
    totp.time = time.time()
    return totp.t() if totp.verify(int(code), tolerance=1) else None


@transaction.atomic
def totp_enrol(*, user: AbstractBaseUser, key: str, step: int) -> tuple[TOTPDevice, list[str]]:
    """Give the user a confirmed app device with ``key``, whose code of time step ``step`` counts as used, in
    place of any device they had, and new recovery codes. Returns the device and the codes (shown once)."""
    _lock(user)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=APP_NAME, key=key, confirmed=True, last_t=step)
    return device, _codes_new(user)


@transaction.atomic
def recovery_codes_renew(*, user: AbstractBaseUser) -> list[str]:
    """New recovery codes in place of the old ones, which stop working; returns them (shown once)."""
    _lock(user)
    return _codes_new(user)


@transaction.atomic
def two_factor_remove(*, user: AbstractBaseUser) -> None:
    """The user's app and recovery codes are gone; their next sign-in asks for the password only."""
    _lock(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def code_check(*, user: AbstractBaseUser, code: str) -> Checked:
    """Check a code of the app (digits) or a recovery code (letters and digits), which is then used up.

    A wrong code counts against the device it was meant for: django-otp's throttling then refuses every code of
    that device, right or wrong, for 1, 2, 4, 8... seconds after the last failure. While any of the user's
    devices waits, no code is checked, so that trying recovery codes does not get round the wait.
    """
    code = normalised(code)
    app = app_device(user)
    codes = StaticDevice.objects.filter(user=user, confirmed=True).first()
    wait = max((_wait(device) for device in (app, codes) if device is not None), default=0)
    if wait or app is None:
        return Checked(wait=wait)
    device = app if code.isdigit() or codes is None else codes
    return Checked(device=django_otp.verify_token(user, device.persistent_id, code))


def _wait(device: Device) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def _codes_new(user: AbstractBaseUser) -> list[str]:
    device = StaticDevice.objects.filter(user=user).first() or StaticDevice(user=user, name=CODES_NAME)
    device.confirmed = True
    device.save()
    device.token_set.all().delete()
    device.throttle_reset()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _lock(user: AbstractBaseUser) -> None:
    # One change at a time per user: two tabs setting up at once would otherwise leave two devices.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
