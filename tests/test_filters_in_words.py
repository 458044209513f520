"""Filters in words: the lists' filter forms offer names to tick, not codes to type; facets
stay selectable once one is chosen; the heading names what is filtered; claims filter by the
stance of the reports on them. The API keeps its parameters and comma lists."""

import re

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    ccpr = f.BodyFactory(code="CCPR", name="Human Rights Committee")
    torture = f.ThemeFactory(slug="torture", name="Torture")
    review = f.ReviewFactory(body=ccpr, country=kgz, symbol="CCPR/C/KGZ/CO/2")
    draft_review = f.ReviewFactory(
        body=ccpr, country=kgz, symbol="CCPR/C/KGZ/CO/9", status=m.Editorial.DRAFT
    )
    f.ConcernFactory(key="kaz", country=kaz, body=ccpr, themes=[torture], summary="KAZ one.")
    f.ConcernFactory(key="kgz", country=kgz, body=ccpr, review=review, summary="KGZ one.")
    contradicted = f.ClaimFactory(key="contradicted", country=kaz, summary="Claim contradicted.")
    supported = f.ClaimFactory(key="supported", country=kaz, summary="Claim supported.")
    hidden = f.ClaimFactory(key="hidden", country=kaz, summary="Claim with a draft report.")
    alone = f.ClaimFactory(key="alone", country=kgz, summary="Claim nobody reported on.")
    f.StanceFactory(claim=contradicted, stance="contradicts")
    f.StanceFactory(claim=supported, stance="supports")
    draft = f.ReportFactory(country=kaz, status=m.Editorial.DRAFT)
    f.StanceFactory(claim=hidden, report=draft, stance="contradicts")
    return locals()


def form_of(html: str) -> str:
    return html[
        html.index('class="filter-form"') : html.index("</form>", html.index("filter-form"))
    ]


def facet(html: str, param: str) -> str:
    start = html.index(f'id="facet-{param}"')
    return html[start : html.index("</section>", start)]


def heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)


def test_choices_are_named_checkboxes_not_codes_to_type(client, data):
    form = form_of(client.get("/concerns/").content.decode())
    assert "One or more" not in form and "comma-separated" not in form
    assert "Theme slugs" not in form and "Review ids" not in form
    assert re.search(r'type="checkbox" name="country" value="KAZ"[^>]*> Kazakhstan', form)
    assert re.search(r'name="implementation" value="not_implemented"[^>]*> not implemented', form)
    assert re.search(r'name="theme" value="torture"[^>]*> Torture', form)
    assert re.search(r'name="body" value="CCPR"[^>]*> Human Rights Committee', form)
    assert "<legend>Countries</legend>" in form
    # A yes/no filter is a choice of words, not a text box for "true".
    assert re.search(r'<select name="follow_up"[^>]*>\s*<option value="" selected>either', form)


def test_a_chosen_value_stays_ticked(client, data):
    form = form_of(client.get("/concerns/", {"country": "kgz"}).content.decode())
    assert re.search(r'name="country" value="KGZ"[^>]*checked', form)
    assert not re.search(r'name="country" value="KAZ"[^>]*checked', form)


@pytest.mark.parametrize("path", ["/concerns/", "/api/concerns/"])
def test_repeated_parameters_mean_the_same_as_a_comma_list(client, data, path):
    # The form sends ?country=KAZ&country=KGZ; links and the API write ?country=KAZ,KGZ.
    repeated = client.get(f"{path}?country=KAZ&country=KGZ")
    comma = client.get(path, {"country": "KAZ,KGZ"})
    one = client.get(path, {"country": "KAZ"})
    assert repeated.status_code == comma.status_code == 200
    if path.startswith("/api/"):
        assert repeated.json()["count"] == comma.json()["count"] == 2
        assert one.json()["count"] == 1
    else:
        assert "2 records" in repeated.content.decode() and "2 records" in comma.content.decode()


def test_an_unknown_code_is_still_a_400_naming_it(client, data):
    response = client.get("/concerns/", {"country": "KAZ,XXX"})
    assert response.status_code == 400 and "XXX" in response.content.decode()
    assert client.get("/api/concerns/", {"country": "XXX"}).status_code == 400


def test_facets_stay_selectable_after_one_is_chosen(client, data):
    html = client.get("/concerns/", {"country": "KAZ"}).content.decode()
    countries = facet(html, "country")
    # The other country is still offered, and adds itself to the one chosen.
    assert "Kyrgyzstan" in countries and "?country=KAZ,KGZ" in countries
    # The chosen one removes itself.
    assert re.search(r'href="\?"[^>]*aria-current="true"', countries)
    html = client.get("/concerns/", {"country": "KAZ,KGZ"}).content.decode()
    countries = facet(html, "country")
    assert "?country=KGZ" in countries and "?country=KAZ" in countries
    assert countries.count('aria-current="true"') == 2
    # Other facets count what the country filter lets through.
    html = client.get("/concerns/", {"country": "KGZ"}).content.decode()
    assert "Torture" not in facet(html, "country") and 'id="facet-theme"' not in html


def test_a_review_filter_names_the_review(client, data):
    html = client.get("/concerns/", {"review": data["review"].pk}).content.decode()
    assert "CCPR/C/KGZ/CO/2" in heading(html)
    form = form_of(html)
    assert re.search(
        rf'name="review" value="{data["review"].pk}"[^>]*checked[^>]*> CCPR/C/KGZ/CO/2', form
    )
    # Nothing chosen: no list of every review to scroll through.
    assert 'name="review"' not in form_of(client.get("/concerns/").content.decode())


def test_a_draft_review_is_neither_offered_nor_accepted_for_anonymous_readers(client, editor, data):
    pk = data["draft_review"].pk
    response = client.get("/concerns/", {"review": pk})
    assert response.status_code == 400
    assert "CCPR/C/KGZ/CO/9" not in response.content.decode()
    client.force_login(editor)
    response = client.get("/concerns/", {"review": pk})
    assert response.status_code == 200 and "CCPR/C/KGZ/CO/9" in heading(response.content.decode())


def api_keys(client, **params):
    response = client.get("/api/claims/", params)
    assert response.status_code == 200, response.content
    return sorted(r["key"] for r in response.json()["results"])


def page_keys(client, data, **params):
    html = client.get("/claims/", params).content.decode()
    return sorted(
        key
        for key in ("contradicted", "supported", "hidden", "alone")
        if data[key].get_absolute_url() + '"' in html
    )


def test_claims_filter_by_the_stance_of_the_reports_on_them(client, data):
    assert api_keys(client, stance="contradicts") == ["contradicted"]
    assert api_keys(client, stance="supports,contradicts") == ["contradicted", "supported"]
    # A draft report counts for no one who cannot see it: that claim has no report yet.
    assert api_keys(client, stance="none") == ["alone", "hidden"]
    assert page_keys(client, data, stance="contradicts") == ["contradicted"]
    assert page_keys(client, data, stance="none") == ["alone", "hidden"]
    assert client.get("/api/claims/", {"stance": "refutes"}).status_code == 400


def test_editors_count_draft_reports_in_the_stance_filter(client, editor, data):
    client.force_login(editor)
    assert api_keys(client, stance="contradicts") == ["contradicted", "hidden"]
    assert api_keys(client, stance="none") == ["alone"]


def test_the_claims_heading_and_form_say_the_stance_in_words(client, data):
    html = client.get("/claims/", {"stance": "contradicts", "country": "KAZ"}).content.decode()
    assert "Kazakhstan" in heading(html) and "contradicted by a report" in heading(html)
    form = form_of(html)
    assert "<legend>Reports on the claim</legend>" in form
    assert re.search(r'value="contradicts"[^>]*checked[^>]*> contradicted by a report', form)
    assert re.search(r'value="none"[^>]*> no report for or against', form)


def test_the_form_and_heading_work_in_russian(client, data):
    html = client.get("/ru/claims/", {"stance": "contradicts"}).content.decode()
    assert "contradicted by a report" not in html and "Страны" in form_of(html)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/concerns/", ["Key (implementation", "no assessment yet", "positive aspect"]),
        ("/claims/", ["Key (verification", "reports show otherwise", "Key (how a report"]),
        ("/search/?q=claim", ["Key (verification"]),
    ],
)
def test_keys_explain_every_badge_the_list_shows(client, data, path, words):
    html = client.get(path).content.decode()
    for word in words:
        assert word in html, word
