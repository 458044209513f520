"""Every API error is JSON with a clear message and a 4xx status; anonymous use is throttled."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def kaz():
    return f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/countries/XYZ/", 404, "No country with code 'XYZ'"),
        ("/api/concerns/?country=XYZ", 400, "Unknown country code: XYZ"),
        ("/api/ratifications/?as_of=2020-13-45", 400, "as_of: Enter a date as YYYY"),
        ("/api/observations/?year=twenty", 400, "year: Enter a whole number"),
        ("/api/claims/?page=9", 404, "Page 9 does not exist"),
        ("/api/claims/?page=x", 404, "Page x does not exist"),
        ("/api/claims/99999999999999999999/", 404, "No claim with pk"),
        ("/api/claims/abc/", 404, "No claim with pk 'abc'"),
        ("/api/claims/?q=%00", 400, "Null characters are not allowed"),
        ("/api/compare/", 400, "countries: This field is required"),
        ("/api/compare/?countries=KAZ,XYZ", 400, "Unknown country code: XYZ"),
        ("/api/compare/?countries=KAZ&theme=nope", 400, "Unknown theme: nope"),
        ("/api/compare/?countries=KAZ&as_of=soon", 400, "as_of"),
    ],
)
def test_bad_requests_get_a_json_message(client, kaz, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert words in response.json()["detail"]


def test_anonymous_clients_are_throttled_at_the_configured_rate(client, kaz, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "10/minute"},
    }
    codes = [client.get("/api/countries/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/countries/")
    assert "throttled" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_editors_have_their_own_higher_limit(client, editor, kaz, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "3/minute"},
    }
    client.force_login(editor)
    codes = [client.get("/api/countries/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def _three_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "10/minute"},
    }


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(client, kaz, settings):
    _three_per_minute(settings)
    codes = [
        client.get("/api/countries/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_a_forged_forwarded_for_header_cannot_spend_someone_elses_limit(client, kaz, settings):
    _three_per_minute(settings)
    for _ in range(3):
        client.get("/api/countries/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    victim = client.get("/api/countries/", REMOTE_ADDR="203.0.113.9")
    assert victim.status_code == 200


def test_behind_the_proxy_the_address_it_appended_is_the_client(client, kaz, settings):
    _three_per_minute(settings)
    settings.BEHIND_PROXY = True
    codes = [
        client.get("/api/countries/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]  # the forged left-hand entries change nothing
    other = client.get("/api/countries/", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 200
