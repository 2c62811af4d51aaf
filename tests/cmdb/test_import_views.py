"""The import page: configuration managers upload CSV files and read the report; others are turned away."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cmdb.importers import IMPORTERS
from cmdb.models import ConfigurationItem

pytestmark = pytest.mark.django_db

CI_HEADER = "name,class,status,serial_number,asset_tag,location,owner_group,attributes,description"


def upload(content: bytes, name: str = "cis.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_anonymous_visitor_is_sent_to_sign_in(client):
    url = reverse("cmdb:import")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("role", ["operator", "support_member", "manager"])
def test_staff_who_may_not_edit_the_cmdb_cannot_open_the_import_page(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("cmdb:import")).status_code == 403
    assert client.get(reverse("cmdb:import_template", args=["cis"])).status_code == 403
    response = client.post(
        reverse("cmdb:import"), {"kind": "cis", "file": upload(f"{CI_HEADER}\nvm-1,,,,,,,,".encode())}
    )
    assert response.status_code == 403
    assert not ConfigurationItem.objects.exists()


@pytest.mark.parametrize("role", ["config_manager", "administrator"])
def test_configuration_managers_and_administrators_see_the_form_and_each_kinds_columns(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("cmdb:import"))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert "csrfmiddlewaretoken" in response.text
    for kind, importer in IMPORTERS.items():
        assert reverse("cmdb:import_template", args=[kind]) in response.text
        for column in importer.columns:
            assert f"<code>{column.name}</code>" in response.text
    assert "Virtual machine" in response.text  # the options of a choice column


def test_an_upload_imports_the_good_rows_and_lists_the_bad_ones_by_line(client, config_manager):
    client.force_login(config_manager)
    data = f"{CI_HEADER}\nvm-1,vm,live,,,,,,\nvm-2,mainframe,live,,,,,,\n".encode()

    response = client.post(reverse("cmdb:import"), {"kind": "cis", "file": upload(data)})

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert "Created 1, updated 0, unchanged 0." in response.text
    assert "1 row was refused" in response.text
    assert "<td>3</td><td>class: Value &#x27;mainframe&#x27; is not a valid choice.</td>" in response.text
    assert list(ConfigurationItem.objects.values_list("name", flat=True)) == ["vm-1"]


def test_a_dry_run_upload_reports_and_changes_nothing(client, config_manager):
    client.force_login(config_manager)
    data = f"{CI_HEADER}\nvm-1,vm,live,,,,,,\n".encode()

    response = client.post(reverse("cmdb:import"), {"kind": "cis", "file": upload(data), "dry_run": "on"})

    assert "Would create 1, update 0, leave 0 unchanged." in response.text
    assert not ConfigurationItem.objects.exists()


def test_a_file_with_a_wrong_header_is_refused_next_to_the_file_field(client, config_manager):
    client.force_login(config_manager)

    response = client.post(reverse("cmdb:import"), {"kind": "cis", "file": upload(b"name,colour\nvm-1,red\n")})

    assert response.status_code == 200
    assert response.context["report"] is None
    assert "unknown columns: colour" in response.context["form"].errors["file"][0]
    assert not ConfigurationItem.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(client, config_manager):
    client.force_login(config_manager)
    data = f"{CI_HEADER}\nrouter-zürich,network,live,,,,,,\n".encode("latin-1")

    response = client.post(reverse("cmdb:import"), {"kind": "cis", "file": upload(data)})

    assert "The file is not UTF-8 text" in response.context["form"].errors["file"][0]
    assert not ConfigurationItem.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, config_manager, monkeypatch):
    monkeypatch.setattr("cmdb.forms_import.MAX_IMPORT_BYTES", 100)
    client.force_login(config_manager)
    data = (CI_HEADER + "\n" + "vm-1,vm,live,,,,,,\n" * 10).encode()

    response = client.post(reverse("cmdb:import"), {"kind": "cis", "file": upload(data)})

    assert "can be imported" in response.context["form"].errors["file"][0]
    assert not ConfigurationItem.objects.exists()


def test_an_upload_without_a_file_asks_for_one(client, config_manager):
    client.force_login(config_manager)

    response = client.post(reverse("cmdb:import"), {"kind": "cis"})

    assert response.context["form"].errors["file"] == ["This field is required."]


def test_the_template_download_holds_the_header_and_an_example_row(client, config_manager):
    client.force_login(config_manager)

    response = client.get(reverse("cmdb:import_template", args=["relationships"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "source,kind,target"
    assert len(lines) == 2


def test_the_template_of_an_unknown_kind_is_not_found(client, config_manager):
    client.force_login(config_manager)

    assert client.get(reverse("cmdb:import_template", args=["incidents"])).status_code == 404
