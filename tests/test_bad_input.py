"""Bad input never makes a 500: every filter of every page and API list, and every field of the
API's writes, given wrong types, huge values, NUL bytes, impossible dates, unknown codes and
out-of-range page numbers, answers 200 (a filter that matches nothing) or a 4xx with a message."""

import json

import pytest
from django.core.cache import cache

from tests import factories as f
from tracker import api
from tracker import filters as flt

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "abc",
    "-1",
    "0",
    "99999999999999999999999",
    "1.5",
    "x" * 10_000,
    "a\x00b",
    "\x00",
    "2021-02-30",
    "99999-01-01",
    "2021-13-01",
    "ZZZ,QQQ",
    "KAZ,,,",
    "true\x00",
    "%00",
    "[]",
    "{}",
    "é" * 300,
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits
    "12345678901234567890",
]
GENERIC = ["page", "page_size", "format", "as_of", "q", "country", "theme", "year", "lang"]

PAGES = {
    "/": [],
    "/countries/KAZ/": [],
    "/compare/": ["countries"],
    "/treaties/": ["instrument", "status"],
    "/concerns/": list(flt.ConcernFilter.base_filters),
    "/claims/": list(flt.ClaimFilter.base_filters),
    "/reports/": list(flt.ReportFilter.base_filters),
    "/sources/": list(flt.SourceFilter.base_filters),
    "/feeds/concerns/": [],
}


def api_lists():
    """(list path, filter names) for every API list endpoint."""
    out = {}
    for prefix, viewset, _basename in api.router.registry:
        names = (
            list(getattr(viewset, "filterset_class", None).base_filters)
            if getattr(viewset, "filterset_class", None)
            else []
        )
        out[f"/api/{prefix}/"] = names
    out["/api/compare/"] = ["countries"]
    return out


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    theme = f.ThemeFactory(slug="expression")
    concern = f.ConcernFactory(country=kaz, themes=[theme])
    claim = f.ClaimFactory(country=kaz, themes=[theme])
    f.ReportFactory(country=kaz, themes=[theme])
    return {"concern": concern, "claim": claim}


def _check(response, where: str) -> None:
    status = response.status_code
    assert status < 500, f"{where}: {status}"
    if status >= 400:
        body = response.content.decode()
        assert body.strip(), f"{where}: {status} without a message"
        if response["Content-Type"].startswith("application/json"):
            assert json.loads(body), f"{where}: empty JSON error"


def _bad_requests(paths: dict):
    for path, names in paths.items():
        for name in dict.fromkeys([*names, *GENERIC]):
            for value in BAD_VALUES:
                yield path, {name: value}


def test_every_page_filter_given_bad_values_answers_without_a_server_error(client, data):
    checked = 0
    for path, params in _bad_requests(PAGES):
        cache.clear()
        _check(client.get(path, params), f"{path} {params!r:.80}")
        checked += 1
    assert checked > 1000


def test_every_api_filter_given_bad_values_answers_without_a_server_error(client, data):
    checked, refused = 0, 0
    for path, params in _bad_requests(api_lists()):
        cache.clear()
        response = client.get(path, params)
        _check(response, f"{path} {params!r:.80}")
        checked += 1
        refused += response.status_code == 400
    assert checked > 3000
    assert refused > 500  # wrong types and unknown codes are refused, not silently ignored


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/concerns/", {"page": "-1"}, "page"),
        ("/api/concerns/", {"page": "99999"}, "page"),
        ("/api/concerns/", {"page_size": "x" * 10_000}, "page_size"),
        ("/api/concerns/", {"country": "ZZZ"}, "ZZZ"),
        ("/api/concerns/", {"year": "abc"}, "year"),
        ("/api/ratifications/", {"as_of": "2021-02-30"}, "as_of"),
        ("/api/ratifications/", {"as_of": "99999-01-01"}, "as_of"),
        ("/api/compare/", {"countries": "KAZ,QQQ"}, "QQQ"),
    ],
)
def test_bad_api_values_get_a_400_or_404_naming_the_problem(client, data, path, params, message):
    response = client.get(path, params)
    assert response.status_code in (400, 404)
    assert message in response.content.decode()


CLAIM_FIELDS = [
    "key",
    "country",
    "kind",
    "summary",
    "stated_on",
    "stated_on_precision",
    "action_on",
    "legal_reference",
    "status",
    "source",
    "themes",
    "concerns",
    "locator",
]
WRITE_VALUES = [*BAD_VALUES, 12, -1, 10**30, None, True, [], ["x"], {"a": 1}, [10**30]]


def test_every_field_of_a_write_given_bad_values_answers_4xx_not_500(editor_client, data):
    good = {
        "key": "new-claim",
        "country": "KAZ",
        "kind": "law",
        "summary": "A law.",
        "stated_on": "2021-01-01",
        "stated_on_precision": "day",
        "status": "published",
    }
    claim = data["claim"]
    for name in CLAIM_FIELDS:
        for value in WRITE_VALUES:
            where = f"{name}={value!r:.60}"
            body = json.dumps({**good, name: value})
            response = editor_client.post("/api/claims/", body, content_type="application/json")
            _check(response, f"POST {where}")
            if response.status_code == 201:
                editor_client.delete(f"/api/claims/{response.json()['id']}/")
            patch = json.dumps({name: value})
            url = f"/api/claims/{claim.pk}/"
            _check(editor_client.patch(url, patch, content_type="application/json"), where)


def test_malformed_json_and_nul_in_a_key_answer_4xx(editor_client, data):
    for body in ("{", "\x00", "[1,2]", '"text"', "{" * 5000):
        response = editor_client.post("/api/claims/", body, content_type="application/json")
        assert response.status_code == 400, body[:10]
        assert "detail" in response.json() or response.json()
    for key in ("\x00", "a\x00b", "x" * 10_000, "-1"):
        response = editor_client.get(f"/api/claims/{key}/")
        # A NUL byte in the address is refused before routing; other keys are unknown.
        assert response.status_code == (400 if "\x00" in key else 404)
        assert "detail" in response.json()


@pytest.mark.parametrize("value", ["²", "١٢", "12345678901234567890", "-1"])
def test_admin_year_filters_given_bad_values_answer_without_a_server_error(
    editor_client, data, value
):
    for path in ("/admin/tracker/concern/", "/admin/tracker/claim/", "/admin/tracker/source/"):
        response = editor_client.get(path, {"year": value})
        assert response.status_code < 500, (path, value)


@pytest.mark.parametrize(
    "path", ["/countries/K%00Z/", "/api/countries/K%00Z/", "/concerns/?q=a%00b"]
)
def test_a_nul_byte_in_the_address_is_a_400_or_404(client, data, path):
    response = client.get(path)
    assert response.status_code in (400, 404)


def test_deeply_nested_json_is_a_json_400(editor_client, data):
    body = "[" * 100_000 + "]" * 100_000
    response = editor_client.post("/api/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_body_over_the_size_limit_is_a_json_400_under_the_api(editor_client, data, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"summary": "x" * 5000})
    response = editor_client.post("/api/claims/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_concern_cannot_list_itself_as_an_earlier_concern(editor_client, data):
    concern = data["concern"]
    response = editor_client.patch(
        f"/api/concerns/{concern.pk}/",
        json.dumps({"previous": [concern.pk]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "itself" in response.content.decode()
    assert not concern.previous.exists()
