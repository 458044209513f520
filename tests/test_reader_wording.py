"""No public page, feed or API response tells readers how the data was put together: no seed
file name, no "seed 001" (nor a key such as ``seed-001-...``), no extract file name. With the
shipped seeds loaded: every text a reader may be shown, in every row of every model; every
page, feed and API list; the detail page of the first and last records of each kind (each kind
has one template, and the text it shows is in the rows read first)."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.management import call_command

from tracker import models as m

pytestmark = pytest.mark.django_db

INTERNAL = re.compile(
    r"seed[\s_-]?0\d\d"  # "seed 001", seed-001-..., seed001-...
    r"|\b\d{3}_[0-9a-f]{16}\.txt\b"  # a shipped seed document's file name
    r"|seed_file|seeds/|hr_status_\w+\.csv|\.yaml\b",
    re.IGNORECASE,
)
COUNTRIES = ["KAZ", "KGZ", "UZB", "RUS", "GAB"]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_seeds", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def addresses() -> list[str]:
    pages = ["/", "/treaties/", "/concerns/", "/claims/", "/reports/", "/sources/"]
    pages += [f"/countries/{code}/" for code in COUNTRIES]
    pages += [f"/feeds/countries/{code}/" for code in COUNTRIES]
    pages += ["/countries/"]
    pages += [f"/instruments/{code}/" for code in m.Instrument.objects.values_list("pk", flat=True)]
    pages += [f"/themes/{slug}/" for slug in m.Theme.objects.values_list("pk", flat=True)]
    pages += ["/compare/?countries=KAZ,KGZ,UZB", "/compare/?countries=KAZ,RUS&theme=torture"]
    for model, name in (
        (m.Concern, "concerns"),
        (m.Claim, "claims"),
        (m.Report, "reports"),
        (m.Source, "sources"),
    ):
        pks = list(model.objects.published().order_by("pk").values_list("pk", flat=True))
        pages += [f"/{name}/{pk}/" for pk in pks[:5] + pks[-5:]]
        pages.append(f"/feeds/{name}/")
        pages.append(f"/feeds/{name}/KAZ/")
    return pages


def api_addresses(client) -> list[str]:
    endpoints = client.get("/api/").json()
    # The record lists (the root also names the comparison, the schema and the docs).
    lists = [
        url
        for url in endpoints.values()
        if "/compare/" not in url and "/schema/" not in url and "/docs/" not in url
    ]
    found = []
    for url in lists:
        for fmt in ("json", "csv"):
            found.append(f"{url}?page_size=500&format={fmt}")
        rows = client.get(url, {"page_size": 500}).json()["results"]
        found += [row["url"] for row in rows[:5] if "url" in row]
    found += [
        "/api/compare/?countries=KAZ,KGZ,UZB",
        "/api/compare/?countries=KAZ,RUS&theme=torture",
    ]
    return found


# What readers are never shown: the natural keys the seeds and imports match records by, the
# seed file a source came from, an export's identifier.
NOT_SHOWN = {"key", "seed_file", "external_id"}


def test_no_stored_text_a_reader_may_see_tells_how_the_data_was_put_together(loaded):
    found = {}
    for model in apps.get_app_config("tracker").get_models():
        if model._meta.model_name.startswith("historical") or model in (m.ApiToken,):
            continue
        texts = [
            f.name
            for f in model._meta.concrete_fields
            if f.get_internal_type() in ("CharField", "TextField") and f.name not in NOT_SHOWN
        ]
        rows = model.objects.all()
        if any(f.name == "status" for f in model._meta.concrete_fields):
            rows = rows.filter(status=m.Editorial.PUBLISHED)
        for row in rows.values("pk", *texts):
            for name in texts:
                if row[name] and INTERNAL.search(str(row[name])):
                    found[f"{model.__name__} {row['pk']} {name}"] = row[name][:120]
    assert m.Concern.objects.count() > 100  # the seeds are loaded
    assert not found


def test_no_page_or_feed_shows_how_the_data_was_put_together(loaded, client):
    found = {}
    for address in addresses():
        response = client.get(address)
        if response.status_code == 404 and address.startswith("/feeds/"):
            continue  # a feed the site does not offer for that kind
        assert response.status_code == 200, address
        hits = INTERNAL.findall(response.content.decode())
        if hits:
            found[address] = sorted(set(hits))
    assert not found


def test_no_api_response_shows_how_the_data_was_put_together(loaded, client):
    found = {}
    for address in api_addresses(client):
        for cache in caches.all():  # the anonymous rate limit: a crawl is not a reader
            cache.clear()
        response = client.get(address)
        assert response.status_code == 200, address
        hits = INTERNAL.findall(response.content.decode())
        if hits:
            found[address] = sorted(set(hits))
    assert not found


def test_un_documents_link_to_their_document(loaded, client):
    source = m.Source.objects.get(symbol="CCPR/C/KAZ/CO/2")
    html = client.get(f"/sources/{source.pk}/").content.decode()
    assert 'href="https://undocs.org/CCPR/C/KAZ/CO/2"' in html
    body = client.get(f"/api/sources/{source.pk}/").json()
    assert body["document_url"] == "https://undocs.org/CCPR/C/KAZ/CO/2"
    assert "key" not in body and "seed_file" not in body
