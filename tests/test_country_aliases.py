"""Country aliases: other names of states in the UN's files, kept in the database (editable in
the admin, seeded from ``seeds/country_aliases.csv``) and read by every importer."""

import pytest

from tests import factories as f
from tracker import models as m
from tracker.importers.base import SKIP, CountryNames
from tracker.seeds import SEEDS_DIR
from tracker.services import seeds_load

pytestmark = pytest.mark.django_db


def test_the_shipped_aliases_load_with_the_states_not_held_and_no_comment_lines(tmp_path):
    for name in ("countries.csv", "country_aliases.csv"):
        (tmp_path / name).symlink_to(SEEDS_DIR / name)
    seeds_load(directory=tmp_path)
    assert m.CountryAlias.objects.get(alias="Swaziland").country_id == "SWZ"
    assert m.CountryAlias.objects.get(alias="TP").country_id == "TLS"
    assert m.CountryAlias.objects.get(alias="Holy See").country_id is None
    assert not m.CountryAlias.objects.filter(alias__startswith="#").exists()
    names = CountryNames()
    assert names.find("swaziland") == "SWZ" and names.find("Holy See") == SKIP
    assert names.find("Atlantis") is None


def test_an_alias_an_editor_adds_in_the_admin_is_read_by_the_next_import(editor_client):
    f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    assert CountryNames().find("Qazaqstan") is None
    response = editor_client.post(
        "/admin/tracker/countryalias/add/",
        {"alias": "Qazaqstan", "country": "KAZ", "change_reason": "spelling in a 2025 export"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert CountryNames().find("Qazaqstan") == "KAZ"
    alias = m.CountryAlias.objects.get(alias="Qazaqstan")
    assert alias.history.get().history_change_reason == "spelling in a 2025 export"
    changelist = editor_client.get("/admin/tracker/countryalias/?q=qazaq").content.decode()
    assert "Qazaqstan" in changelist
