"""The sessions' engine: Django's database sessions, their read built once a process, to the letter of Django's."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk import session_store
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_session_is_read_by_djangos_own_statement_built_once(operator, manager):
    first, second = signed_in(operator.username), signed_in(manager.username)

    with CaptureQueriesContext(connection) as captured:
        assert first.get(reverse("home")).status_code == 200
    read = captured.captured_queries[0]["sql"]
    compiled = session_store._UNEXPIRED.compiled
    assert second.get(reverse("home")).status_code == 200

    assert session_store._UNEXPIRED.compiled is compiled
    key = first.session.session_key
    djangos = str(Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).query)
    assert read.split(" WHERE ")[0] == djangos.split(" WHERE ")[0]
    assert f'"django_session"."session_key" = \'{key}\'' in read and '"django_session"."expire_date" >' in read


def test_an_expired_or_ended_session_is_not_read(operator, manager):
    expired, ended = signed_in(operator.username), signed_in(manager.username)
    Session.objects.filter(session_key=expired.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    Session.objects.filter(session_key=ended.session.session_key).delete()

    for client in (expired, ended):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_store_keeps_djangos_writes_and_an_unknown_key_reads_as_empty():
    store = session_store.SessionStore()
    store["colour"] = "blue"
    store.save()

    assert session_store.SessionStore(store.session_key).load() == {"colour": "blue"}
    unknown = session_store.SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
    assert issubclass(session_store.SessionStore, db.SessionStore)
