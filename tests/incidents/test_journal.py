"""The journal: work notes and customer updates by role, mail after commit, subordinates' callers, time spent,
the workaround, attached files (limits, types checked from the content, serving), the timeline's filters and
the incident page's query count."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind, Impact, ResolutionCode, State, Urgency
from incidents.core.stale import StaleIncident
from incidents.forms.journal import JournalEntryForm
from incidents.journal import notes
from incidents.journal.timeline import timeline
from incidents.lifecycle import classification, escalation, resolution
from incidents.models import Activity, Attachment, Incident
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.workflow import closed
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def group(support_member):
    """The assigned group, with the ``support_member`` fixture (Sam) in it."""
    return SupportGroupFactory(members=[support_member])


@pytest.fixture
def other_member():
    """A support member of another group."""
    member = UserFactory(username="otto", first_name="Otto", roles=["Support"])
    SupportGroupFactory(members=[member])
    return member


def record(by, **overrides) -> Incident:
    values = {
        "by": by, "short_description": "VPN does not connect",
        "symptoms": "Authentication failed.", "occurred_at": timezone.now() - datetime.timedelta(minutes=20),
        "impact": Impact.LOW, "urgency": Urgency.MEDIUM,
    }  # fmt: skip
    values = {**values, **overrides}
    values.setdefault("caller", ContactFactory())
    return calls.incident_record(**values)


def investigating(operator, group, **overrides) -> Incident:
    """Recorded, classified and escalated to ``group``, through the lifecycle's services."""
    incident = record(operator, **overrides)
    classification.incident_classify(
        by=operator, incident_id=incident.pk, category=CategoryFactory(), impact=incident.impact,
        urgency=incident.urgency,
    )  # fmt: skip
    return escalation.incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def note(incident, by, text="Checked the RADIUS logs.", **kwargs) -> Activity:
    return notes.incident_add_note(by=by, incident_id=incident.pk, text=text, **kwargs)


# --- who writes ---------------------------------------------------------------------------------------


def test_the_desk_writes_a_work_note_with_time_spent_and_nothing_is_mailed(
    operator, django_capture_on_commit_callbacks
):
    incident = record(operator)

    with django_capture_on_commit_callbacks(execute=True):
        entry = note(incident, operator, minutes_spent=12)

    assert (entry.kind, entry.visibility, entry.author, entry.minutes_spent) == ("note", "internal", operator, 12)
    assert entry.incident_version is None
    incident.refresh_from_db()
    assert incident.version == 1  # a note is not a change: open step forms do not go stale
    assert mail.outbox == []


def test_a_member_of_the_assigned_group_writes_notes_and_customer_updates(operator, support_member, group):
    incident = investigating(operator, group)

    note(incident, support_member)
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text="We are on it.")

    kinds = list(incident.journal.filter(author=support_member).values_list("kind", flat=True))
    # The member's first note on the handoff acknowledges it first.
    assert kinds == [ActivityKind.ACKNOWLEDGED, ActivityKind.NOTE, ActivityKind.CUSTOMER_UPDATE]


def test_a_member_of_another_group_is_refused_with_the_reason(operator, group, other_member):
    incident = investigating(operator, group)

    with pytest.raises(PermissionDenied, match=f"members of {group.name}, the assigned group"):
        note(incident, other_member)
    with pytest.raises(PermissionDenied):
        notes.incident_send_update(by=other_member, incident_id=incident.pk, text="Hello")

    assert not incident.journal.filter(author=other_member).exists()


def test_a_support_member_cannot_write_on_an_incident_the_desk_still_holds(operator, support_member):
    incident = record(operator)

    with pytest.raises(PermissionDenied, match="Only the service desk writes in the journal"):
        note(incident, support_member)


def test_a_manager_is_refused_with_a_403_that_says_why(client, operator, manager, group):
    incident = investigating(operator, group)
    client.force_login(manager)

    page = client.get(incident.get_absolute_url()).text
    response = client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "Let me add something", "journal-minutes_spent": "1"},
    )

    assert "Add to the journal" not in page
    assert response.status_code == 403
    assert "managers and other groups read it" in response.text
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()


def test_the_serious_incident_gate_lets_work_notes_through_but_holds_customer_updates(
    operator, django_capture_on_commit_callbacks
):
    incident = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)
    assert incident.serious_notices_pending

    with django_capture_on_commit_callbacks(execute=True):
        note(incident, operator, text="Bridge call opened.")
        # The users' notice is the first word to the people affected; the caller's own updates follow it.
        with pytest.raises(ValidationError, match="notify management and inform the affected users first"):
            notes.incident_send_update(by=operator, incident_id=incident.pk, text="We know and we are on it.")

    assert incident.journal.filter(kind=ActivityKind.NOTE).count() == 1
    assert not incident.journal.filter(kind=ActivityKind.CUSTOMER_UPDATE).exists()
    assert len(mail.outbox) == 0


def test_a_closed_incident_takes_no_more_entries(operator, support_member, group):
    incident = investigating(operator, group)
    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Certificate renewed.",
    )  # fmt: skip
    closed(operator, incident, root_cause_category=CategoryFactory())

    with pytest.raises(ValidationError, match="is closed and its journal complete"):
        note(incident, operator)


# --- customer updates ---------------------------------------------------------------------------------


def test_a_customer_update_is_mailed_to_the_caller_after_commit_and_journaled_with_its_recipients(
    operator, django_capture_on_commit_callbacks
):
    incident = record(operator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [entry] = notes.incident_send_update(
            by=operator, incident_id=incident.pk, text="The VPN team is <testing> a fix.", minutes_spent=5
        )

    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == [incident.caller.email]
    assert message.subject == f"[{incident.number}] Update: VPN does not connect"
    assert "The VPN team is <testing> a fix." in message.body  # plain text, not HTML-escaped
    assert (entry.kind, entry.visibility, entry.minutes_spent) == (ActivityKind.CUSTOMER_UPDATE, "customer", 5)
    assert entry.data["recipients"] == [incident.caller.email]
    assert entry.data["subject"] == message.subject


def test_a_customer_update_rolled_back_sends_nothing(operator, django_capture_on_commit_callbacks):
    incident = record(operator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            notes.incident_send_update(by=operator, incident_id=incident.pk, text="On its way.")
            transaction.set_rollback(True)
        with pytest.raises(ValidationError):
            notes.incident_send_update(by=operator, incident_id=incident.pk, text="Late", minutes_spent=2000)

    assert callbacks == []
    assert mail.outbox == []
    assert not incident.journal.filter(kind=ActivityKind.CUSTOMER_UPDATE).exists()


def test_a_customer_update_to_a_caller_without_an_address_is_refused(operator):
    incident = record(operator, caller=ContactFactory(email=""))

    with pytest.raises(ValidationError, match="has no e-mail address: phone them"):
        notes.incident_send_update(by=operator, incident_id=incident.pk, text="Hello")

    assert not incident.journal.filter(kind=ActivityKind.CUSTOMER_UPDATE).exists()


def test_an_update_on_a_master_reaches_each_open_subordinates_caller_each_journaled(
    operator, support_member, group, django_capture_on_commit_callbacks
):
    master = investigating(operator, group, caller=ContactFactory(email="anna@example.org"))
    first = record(operator, caller=ContactFactory(email="piet@example.org"), parent=master)
    second = record(operator, caller=ContactFactory(email="lena@example.org"), parent=master)
    no_address = record(operator, caller=ContactFactory(email=""), parent=master)
    closed = record(operator, caller=ContactFactory(email="old@example.org"), parent=master)
    Incident.objects.filter(pk=closed.pk).update(state=State.CLOSED)  # rows to read only: not a workflow here

    with django_capture_on_commit_callbacks(execute=True):
        entries = notes.incident_send_update(
            by=support_member, incident_id=master.pk, text="A fix is being rolled out.", minutes_spent=10,
            to_subordinates=True,
        )  # fmt: skip

    assert [entry.incident_id for entry in entries] == [master.pk, first.pk, second.pk, no_address.pk]
    assert sorted(message.to[0] for message in mail.outbox) == ["anna@example.org", "lena@example.org",
                                                                "piet@example.org"]  # fmt: skip
    assert {message.subject for message in mail.outbox} == {
        f"[{number}] Update: VPN does not connect" for number in (master.number, first.number, second.number)
    }
    for subordinate in (first, second, no_address):
        entry = subordinate.journal.get(kind=ActivityKind.CUSTOMER_UPDATE)
        assert (entry.text, entry.visibility, entry.minutes_spent) == ("A fix is being rolled out.", "customer", 0)
        assert entry.data["master"] == master.number
    assert no_address.journal.get(kind=ActivityKind.CUSTOMER_UPDATE).data["recipients"] == []
    assert entries[0].data["subordinates"] == [first.number, second.number, no_address.number]
    assert not closed.journal.filter(kind=ActivityKind.CUSTOMER_UPDATE).exists()


def test_the_subordinates_checkbox_appears_only_on_a_master_with_open_subordinates(client, operator):
    lone = record(operator)
    master = record(operator)
    record(operator, parent=master)
    client.force_login(operator)

    assert "journal-to_subordinates" not in client.get(lone.get_absolute_url()).text
    assert "journal-to_subordinates" in client.get(master.get_absolute_url()).text


# --- time spent ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_time_spent_is_refused_off_0_to_1440_minutes(operator, minutes):
    incident = record(operator)

    with pytest.raises(ValidationError) as refused:
        note(incident, operator, minutes_spent=minutes)

    assert "minutes_spent" in refused.value.message_dict
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()
    form = JournalEntryForm({"journal-kind": "note", "journal-text": "x", "journal-minutes_spent": str(minutes)})
    assert "minutes_spent" in form.errors


def test_the_incident_page_shows_the_total_time_spent(client, operator, group):
    incident = investigating(operator, group)
    note(incident, operator, minutes_spent=50)
    note(incident, operator, minutes_spent=1440)
    client.force_login(operator)

    response = client.get(incident.get_absolute_url())

    assert response.context["journal"].minutes_spent == 1490
    assert "24 h 50 min" in response.text


# --- the page: posting, refusals, filters ---------------------------------------------------------------


def test_posting_a_note_returns_to_the_incident_with_a_message(client, operator):
    incident = record(operator)
    client.force_login(operator)

    response = client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "Called back, no answer.", "journal-minutes_spent": "3"},
        follow=True,
    )

    assert response.redirect_chain == [(incident.get_absolute_url() + "#journal", 302)]
    assert "The work note was added." in response.text
    assert "Called back, no answer." in response.text
    assert incident.journal.get(kind=ActivityKind.NOTE).minutes_spent == 3


def test_with_htmx_posting_swaps_the_journal_section_only(client, operator):
    incident = record(operator)
    client.force_login(operator)

    response = client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "customer_update", "journal-text": "We are testing a fix.", "journal-minutes_spent": ""},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="journal"')
    assert "The customer update was mailed to 1 person." in response.text
    assert "<html" not in response.text


def test_bad_input_comes_back_by_field_on_the_incident_page_and_nothing_is_written(client, operator):
    incident = record(operator)
    client.force_login(operator)

    response = client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "", "journal-minutes_spent": "2000",
         "journal-files": [upload("setup.png", EXE)]},
    )  # fmt: skip

    form = response.context["journal"].entry_form
    assert set(form.errors) == {"text", "minutes_spent"}
    assert incident.number in response.text  # the whole incident page, with the form's messages
    assert not incident.journal.filter(kind=ActivityKind.NOTE).exists()


def test_files_on_a_customer_update_are_refused_by_field(client, operator):
    incident = record(operator)
    client.force_login(operator)

    response = client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "customer_update", "journal-text": "See the log", "journal-files": [upload("a.log", b"ok")]},
    )

    assert "attach them to a work note" in response.context["journal"].entry_form.errors["files"][0]
    assert mail.outbox == []


def test_the_timeline_shows_everything_or_what_the_caller_sees_or_the_changes(client, operator, group):
    incident = investigating(operator, group)
    note(incident, operator, text="Internal: checked the firewall.")
    notes.incident_send_update(by=operator, incident_id=incident.pk, text="Dear caller, we are on it.")
    client.force_login(operator)
    url = incident.get_absolute_url()

    everything = client.get(url).context["journal"].entries
    customer = client.get(url, {"show": "customer"}).context["journal"].entries
    changes = client.get(url, {"show": "changes"}).context["journal"].entries

    # newest first, the reader's default (decision 0050)
    assert [item.entry.kind for item in everything] == ["customer_update", "note", "escalated", "state_changed",
                                                        "recorded"]  # fmt: skip
    assert [item.entry.kind for item in customer] == ["customer_update"]
    assert [item.entry.kind for item in changes] == ["escalated", "state_changed", "recorded"]


def test_the_timeline_filters_answer_htmx_with_the_timeline_alone_and_links_work_without_it(client, operator):
    incident = record(operator)
    note(incident, operator, text="Internal only")
    client.force_login(operator)
    fragment_url = reverse("incidents:journal", args=[incident.number])

    fragment = client.get(fragment_url, {"show": "customer"}, headers={"HX-Request": "true"})
    plain = client.get(fragment_url, {"show": "customer"})

    assert fragment.text.lstrip().startswith('<div id="timeline"')
    assert "Internal only" not in fragment.text
    assert "Nothing in the journal with this filter." in fragment.text
    assert plain.status_code == 302 and plain["Location"] == f"{incident.get_absolute_url()}?show=customer#journal"
    page = client.get(incident.get_absolute_url()).text
    assert f'href="{incident.get_absolute_url()}?show=changes#journal"' in page
    assert f'data-hx-get="{fragment_url}?show=changes"' in page


def test_change_entries_show_old_and_new_values_with_field_labels(client, operator, group):
    incident = investigating(operator, group)
    client.force_login(operator)

    entries = client.get(incident.get_absolute_url()).context["journal"].entries
    classified = next(item for item in entries if item.entry.data.get("step") == "classify")
    escalated = next(item for item in entries if item.entry.kind == ActivityKind.ESCALATED)

    shown = {change.label: (change.old, change.new) for change in classified.changes}
    assert shown["State"] == ("Recorded", "Classified")
    assert "Priority" not in shown  # classified at the priority it was recorded with: no change to list
    assert {change.label: change.new for change in escalated.changes}["Assigned group"] == group.name
    assert escalated.author == operator.get_full_name()


def test_the_cis_an_incident_was_recorded_with_are_not_a_change_but_a_change_of_them_is(operator):
    incident = record(operator)
    Activity.objects.create(incident=incident, kind=ActivityKind.RECORDED, data={"cis": ["RADIUS", "VPN"]})
    Activity.objects.create(
        incident=incident, kind=ActivityKind.FIELD_CHANGED, data={"cis": [["RADIUS"], ["RADIUS", "VPN"]]}
    )
    loaded = Incident.objects.prefetch_related("journal__attachments").get(pk=incident.pk)

    recorded, changed = [item.changes for item in timeline(loaded)][-2:]
    assert recorded == []
    assert [(change.old, change.new) for change in changed] == [("RADIUS", "RADIUS, VPN")]


def test_a_change_whose_old_and_new_read_the_same_is_not_listed(operator):
    incident = record(operator)
    Activity.objects.create(
        incident=incident,
        kind=ActivityKind.STATE_CHANGED,
        data={"state": ["recorded", "classified"], "priority": [4, 4], "impact": [2, 2], "resolution_code": ["", None]},
    )
    loaded = Incident.objects.prefetch_related("journal__attachments").get(pk=incident.pk)

    changes = timeline(loaded)[-1].changes

    assert [(change.label, change.old, change.new) for change in changes] == [("State", "Recorded", "Classified")]


def test_the_support_tier_reads_as_the_escalation_form_offered_it(operator):
    incident = record(operator)
    Activity.objects.create(incident=incident, kind=ActivityKind.ESCALATED, data={"tier": [None, 2]})
    Activity.objects.create(incident=incident, kind=ActivityKind.ESCALATED, data={"tier": [2, 3]})
    loaded = Incident.objects.prefetch_related("journal__attachments").get(pk=incident.pk)

    first, second = (item.changes for item in timeline(loaded)[-2:])

    assert [(change.label, change.old, change.new) for change in first] == [
        ("Support tier", "—", "Tier 2 · second line")
    ]
    assert [(change.old, change.new) for change in second] == [("Tier 2 · second line", "Tier 3 · third line")]


def test_an_entry_without_an_author_is_by_the_system_or_the_caller(operator):
    incident = record(operator)
    Activity.objects.create(incident=incident, kind=ActivityKind.NOTIFICATION, text="Sent")
    Activity.objects.create(incident=incident, kind=ActivityKind.CONFIRMED, data={"via": "caller_link"})
    loaded = Incident.objects.prefetch_related("journal__attachments").get(pk=incident.pk)

    assert [item.author for item in timeline(loaded)][1:] == ["the system", "the caller"]


# --- the workaround -----------------------------------------------------------------------------------


def test_a_group_member_provides_a_workaround_recorded_journaled_and_mailed(
    operator, support_member, group, django_capture_on_commit_callbacks
):
    incident = investigating(operator, group)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entry = notes.incident_provide_workaround(
            by=support_member, incident_id=incident.pk, workaround="Use the web VPN portal meanwhile.",
            minutes_spent=4, expected_version=incident.version,
        )  # fmt: skip

    before = incident.version
    incident.refresh_from_db()
    assert incident.workaround == "Use the web VPN portal meanwhile."
    assert incident.version == before + 2  # acknowledged first (the member's first action), then the workaround
    assert (entry.kind, entry.visibility, entry.incident_version) == ("workaround", "customer", incident.version)
    assert entry.data["workaround"] == ["", "Use the web VPN portal meanwhile."]
    assert len(callbacks) == 1
    assert mail.outbox[0].to == [incident.caller.email]
    assert mail.outbox[0].subject == f"[{incident.number}] Workaround: VPN does not connect"
    assert "Use the web VPN portal meanwhile." in mail.outbox[0].body


def test_a_stale_workaround_form_is_refused_with_what_changed(operator, support_member, group):
    incident = investigating(operator, group)
    opened_at = incident.version
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)

    with pytest.raises(StaleIncident, match="has changed since you opened it"):
        notes.incident_provide_workaround(
            by=operator, incident_id=incident.pk, workaround="Reboot", expected_version=opened_at
        )

    incident.refresh_from_db()
    assert incident.workaround == ""
    assert not incident.journal.filter(kind=ActivityKind.WORKAROUND).exists()


def test_managers_and_other_groups_cannot_provide_a_workaround(operator, manager, other_member, group):
    incident = investigating(operator, group)

    for user in (manager, other_member):
        with pytest.raises(PermissionDenied):
            notes.incident_provide_workaround(by=user, incident_id=incident.pk, workaround="Reboot")

    assert Incident.objects.get(pk=incident.pk).workaround == ""


def test_an_empty_or_unchanged_workaround_is_refused_by_field(operator):
    incident = record(operator)
    notes.incident_provide_workaround(by=operator, incident_id=incident.pk, workaround="Reboot")

    for text in ("  ", "Reboot"):
        with pytest.raises(ValidationError) as refused:
            notes.incident_provide_workaround(by=operator, incident_id=incident.pk, workaround=text)
        assert "workaround" in refused.value.message_dict


def test_the_workaround_stands_out_on_the_page_and_its_form_refuses_a_stale_version(client, operator):
    incident = record(operator)
    client.force_login(operator)
    url = reverse("incidents:workaround", args=[incident.number])

    response = client.post(
        url, {"workaround-workaround": "Restart the client.", "workaround-expected_version": incident.version},
        follow=True,
    )  # fmt: skip
    stale = client.post(url, {"workaround-workaround": "Other", "workaround-expected_version": incident.version})

    assert f"The workaround was recorded and mailed to {incident.caller.email}." in response.text
    assert 'class="workaround-box"' in response.text and "Restart the client." in response.text
    assert stale.status_code == 409 and "has changed since you opened it" in stale.text
    assert Incident.objects.get(pk=incident.pk).workaround == "Restart the client."
    empty = client.post(url, {"workaround-workaround": "", "workaround-expected_version": incident.version + 1})
    assert empty.status_code == 400  # what was sent is refused: 400, not a conflict
    note = client.post(reverse("incidents:journal_add", args=[incident.number]),
                       {"journal-kind": "note", "journal-text": ""}, headers={"HX-Request": "true"})  # fmt: skip
    assert note.status_code == 400 and "This field is required." in note.text  # htmx swaps 400 and 409


# --- attachments --------------------------------------------------------------------------------------


def test_a_note_keeps_several_files_through_the_storage(client, operator, media_root):
    incident = record(operator)
    client.force_login(operator)

    client.post(
        reverse("incidents:journal_add", args=[incident.number]),
        {"journal-kind": "note", "journal-text": "Screenshot and log",
         "journal-files": [upload("screen shot.png", PNG, "image/png"), upload("vpn.log", "Fehler: ü\n".encode())]},
    )  # fmt: skip

    entry = incident.journal.get(kind=ActivityKind.NOTE)
    files = list(entry.attachments.order_by("id"))
    assert [(f.name, f.content_type, f.size) for f in files] == [
        ("screen shot.png", "image/png", len(PNG)),
        ("vpn.log", "text/plain; charset=utf-8", len("Fehler: ü\n".encode())),
    ]
    assert all(f.file.name.startswith(f"incidents/{incident.pk}/") for f in files)
    assert len(stored_files(media_root)) == 2


def test_a_renamed_binary_refuses_the_note_and_nothing_is_saved(operator, media_root):
    incident = record(operator)

    with pytest.raises(ValidationError) as refused:
        note(incident, operator, files=[upload("report.pdf", PDF), upload("holiday.png", EXE),
                                        upload("notes.txt", EXE)])  # fmt: skip

    assert refused.value.message_dict["files"] == [
        "holiday.png is not a PNG image: its content does not match its name.",
        "notes.txt is not a text file: its content does not match its name.",
    ]
    assert not Activity.objects.filter(kind=ActivityKind.NOTE).exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_of_a_kind_not_accepted_is_refused_by_name(operator):
    incident = record(operator)

    with pytest.raises(ValidationError) as refused:
        note(incident, operator, files=[upload("setup.exe", EXE), upload("drawing.svg", b"<svg/>")])

    messages = refused.value.message_dict["files"]
    assert messages[0].startswith("setup.exe: files of this kind are not accepted. Accepted are .csv,")
    assert messages[1].startswith("drawing.svg: files of this kind are not accepted.")


def test_an_oversized_file_is_refused_and_nothing_is_saved(operator, settings, media_root):
    settings.ATTACHMENT_MAX_BYTES = 1024
    incident = record(operator)

    with pytest.raises(ValidationError) as refused:
        note(incident, operator, files=[upload("small.log", b"fine\n"), upload("big.log", b"x" * 1025)])

    assert refused.value.message_dict["files"] == ["big.log is 1.0\xa0KB; a file may be at most 1.0\xa0KB."]
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_too_many_files_at_once_are_refused(operator, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    incident = record(operator)

    with pytest.raises(ValidationError, match="Attach at most 2 files"):
        note(incident, operator, files=[upload(f"{n}.log", b"ok") for n in range(3)])


def test_the_accepted_types_follow_the_setting(operator, settings):
    settings.ATTACHMENT_TYPES = ["pdf"]
    incident = record(operator)

    with pytest.raises(ValidationError, match=r"Accepted are \.pdf\."):
        note(incident, operator, files=[upload("screen.png", PNG)])
    assert note(incident, operator, files=[upload("report.pdf", PDF)]).attachments.count() == 1


# --- serving files ------------------------------------------------------------------------------------


@pytest.fixture
def attached(operator):
    incident = record(operator)
    entry = note(incident, operator, files=[upload("report.pdf", PDF), upload("screen.png", PNG)])
    pdf, png = entry.attachments.order_by("id")
    return incident, pdf, png


def url_of(incident, attachment):
    return reverse("incidents:attachment", args=[incident.number, attachment.pk, attachment.name])


def test_files_are_served_to_signed_in_staff_as_downloads_unless_images(client, manager, attached):
    incident, pdf, png = attached
    client.force_login(manager)

    download = client.get(url_of(incident, pdf))
    image = client.get(url_of(incident, png))

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"] == 'inline; filename="screen.png"'
    assert image["X-Content-Type-Options"] == "nosniff"


def test_anonymous_visitors_are_sent_to_sign_in_for_a_file(client, attached):
    incident, pdf, _png = attached

    response = client.get(url_of(incident, pdf))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_file_asked_for_under_another_incident_is_not_found(client, operator, attached):
    incident, pdf, _png = attached
    other = record(operator)
    client.force_login(operator)

    assert client.get(reverse("incidents:attachment", args=[other.number, pdf.pk, pdf.name])).status_code == 404
    assert client.get(reverse("incidents:attachment", args=[incident.number, pdf.pk, "x.pdf"])).status_code == 404


def test_files_are_never_served_from_the_media_url(client, operator, attached):
    _incident, pdf, _png = attached
    client.force_login(operator)

    assert client.get(f"/media/{pdf.file.name}").status_code == 404


def test_the_timeline_lists_each_file_with_its_size_and_link(client, operator, attached):
    incident, pdf, png = attached
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text

    assert f'<a href="{url_of(incident, pdf)}">report.pdf</a>' in page
    assert f'<a href="{url_of(incident, png)}">screen.png</a>' in page
    assert f"{len(PDF)}\xa0bytes" in page


# --- query count --------------------------------------------------------------------------------------


def test_the_incident_page_runs_a_fixed_number_of_queries_whatever_the_journal(
    client, operator, support_member, group, django_assert_num_queries
):
    client.force_login(support_member)
    for size in (2, 20):
        incident = investigating(operator, group)
        record(operator, parent=incident)
        for number in range(size):
            note(incident, support_member, minutes_spent=1,
                 files=[upload(f"{number}.png", PNG), upload(f"{number}.log", b"log\n")])  # fmt: skip
            notes.incident_send_update(by=operator, incident_id=incident.pk, text=f"Update {number}")
        # The session, the user with their permissions (2); the incident with its caller, service, desk owner and
        # group, and its stored vector (1); its service level and category (2); the group's members, the CIs, the
        # subordinates (3: no re-evaluation waits, so none is read); the review (5: its problems, the words, and the
        # matches between a SET and a RESET of their plan); the people added (1); the journal's newest entries, their
        # files (2). tests/incidents/test_incident_page.py has the others an incident may need.
        with django_assert_num_queries(16):
            response = client.get(incident.get_absolute_url())
        assert response.status_code == 200
        assert len(response.context["journal"].entries) == min(incident.journal.count(), 50)


def test_the_timeline_fragment_loads_the_journal_alone_at_a_fixed_cost(
    client, operator, support_member, group, django_assert_num_queries
):
    client.force_login(support_member)
    counts = []
    for size in (2, 20):
        incident = investigating(operator, group)
        for number in range(size):
            note(incident, support_member, files=[upload(f"{number}.png", PNG)])
        url = reverse("incidents:journal", args=[incident.number])
        # The session, the user with their permissions, the incident, its journal with authors, its files.
        with django_assert_num_queries(5) as queries:
            response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.text.count('class="entry-note"') == size
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def test_a_members_first_note_on_a_handoff_acknowledges_it_but_the_desks_note_does_not(operator, support_member, group):
    incident = investigating(operator, group)
    note(incident, operator, text="Caller called again.")
    assert Incident.objects.get(pk=incident.pk).acknowledged_at is None

    note(incident, support_member, text="Looking at the gateway logs.")

    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert incident.journal.get(kind=ActivityKind.ACKNOWLEDGED).data["via"] == "note"
