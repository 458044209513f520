"""Cite this record: permalink and citation (plain text, BibTeX, RIS) on every record page, and
"last edited" as the last edit a person made rather than the load of the curated data."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories as f
from tracker import models as m
from tracker.services import seeds_load

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def build():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", name_ru="Казахстан")
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    un_doc = f.SourceFactory(
        title="Concluding observations on the fourth report of Kazakhstan",
        symbol="CAT/C/KAZ/CO/4",
        kind=m.Source.Kind.UN_DOCUMENT,
        publisher="Committee against Torture",
        published_on=dt.date(2014, 12, 1),
        published_on_precision=m.Precision.MONTH,
    )
    concern = f.ConcernFactory(
        country=kaz,
        body=cat,
        source=un_doc,
        locator="para. 14",
        kind=m.Concern.Kind.CONCERN,
        summary="Torture in detention persists {100% of cases} & more.",
        issued_on=dt.date(2014, 1, 1),
        issued_on_precision=m.Precision.YEAR,
    )
    return concern


def ris_tags(text: str) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for line in text.split("\r\n"):
        if not line:
            continue
        found = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert found, f"not an RIS line: {line!r}"
        tags.setdefault(found[1], []).append(found[2])
    return tags


def bibtex_entry(text: str) -> tuple[str, str, dict[str, str]]:
    head = re.match(r"@(\w+)\{([^,\s]+),\n", text)
    assert head and text.rstrip().endswith("}")
    fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", text, re.M))
    assert text.count("{") == text.count("}")  # the braces balance: the entry parses
    return head[1], head[2], fields


def test_record_page_shows_permalink_and_citation_naming_tracker_record_source_and_day(client):
    concern = build()
    html = client.get(concern.get_absolute_url()).content.decode()
    permalink = f"http://testserver/concerns/{concern.pk}/"
    assert "Cite this record" in html and f'href="{permalink}" rel="bookmark"' in html
    citation = re.search(r'<p class="citation" id="citation-text">(.*?)</p>', html, re.S)[1]
    assert citation.startswith("Treaty compliance tracker.")
    assert "Concern: Committee against Torture, Kazakhstan, 2014" in citation
    assert "CAT/C/KAZ/CO/4" in citation and "para. 14" in citation
    assert permalink in citation
    assert f"retrieved {TODAY.day} " in citation and str(TODAY.year) in citation
    assert f'href="/concerns/{concern.pk}/cite.bib"' in html
    assert f'href="/concerns/{concern.pk}/cite.ris"' in html


def test_bibtex_is_one_misc_entry_with_its_fields_escaped(client):
    concern = build()
    response = client.get(f"/concerns/{concern.pk}/cite.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="tracker-concern-{concern.pk}.bib"'
    )
    kind, key, fields = bibtex_entry(response.content.decode())
    assert (kind, key) == ("misc", f"tracker-concern-{concern.pk}")
    assert fields["title"] == "Concern: Committee against Torture, Kazakhstan, 2014"
    assert fields["author"] == "{Treaty compliance tracker}"
    assert fields["url"] == f"http://testserver/concerns/{concern.pk}/"
    assert fields["urldate"] == TODAY.isoformat()
    assert "CAT/C/KAZ/CO/4" in fields["note"]
    assert r"\{100\% of cases\} \& more." in fields["abstract"]


def test_ris_has_its_tags_in_order_and_ends_with_er(client):
    concern = build()
    response = client.get(f"/concerns/{concern.pk}/cite.ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("TY  - ELEC\r\n") and text.endswith("ER  - \r\n")
    tags = ris_tags(text)
    assert tags["TI"] == ["Concern: Committee against Torture, Kazakhstan, 2014"]
    assert tags["UR"] == [f"http://testserver/concerns/{concern.pk}/"]
    assert tags["Y2"] == [TODAY.strftime("%Y/%m/%d")]
    assert "CAT/C/KAZ/CO/4" in tags["N1"][0]


@pytest.mark.parametrize("kind", ["claims", "reports", "sources"])
def test_every_record_page_has_its_citation_and_files(client, kind):
    source = f.SourceFactory(title="A news report", symbol="", publisher="Daily News")
    record = {
        "claims": lambda: f.ClaimFactory(source=source),
        "reports": lambda: f.ReportFactory(source=source),
        "sources": lambda: source,
    }[kind]()
    html = client.get(record.get_absolute_url()).content.decode()
    assert 'id="citation-text"' in html and "Treaty compliance tracker." in html
    for fmt in ("bib", "ris"):
        response = client.get(f"/{kind}/{record.pk}/cite.{fmt}")
        assert response.status_code == 200
        assert f"http://testserver/{kind}/{record.pk}/" in response.content.decode()
    assert "A news report" in client.get(f"/{kind}/{record.pk}/cite.ris").content.decode()


def test_a_draft_source_is_named_to_editors_only(editor_client):
    concern = build()
    draft = f.SourceFactory(title="Unpublished memo", symbol="X/DRAFT/1", status="draft")
    concern.source = draft
    concern.status = m.Editorial.DRAFT
    concern.save()
    published = f.ConcernFactory(source=None, status=m.Editorial.PUBLISHED, summary="No source.")
    # A visitor sees neither the draft record nor its citation.
    assert Client().get(f"/concerns/{concern.pk}/cite.bib").status_code == 404
    bib = editor_client.get(f"/concerns/{concern.pk}/cite.bib").content.decode()
    assert "X/DRAFT/1" in bib
    text = Client().get(f"/concerns/{published.pk}/cite.ris").content.decode()
    assert "N1  - " not in text  # no source to name


def test_citation_for_a_published_record_never_names_a_draft_source(client, editor):
    """Through the visibility rule: were a draft source reached, a visitor is not told of it."""
    from tracker import citations

    concern = build()
    concern.source.status = m.Editorial.DRAFT
    citation = citations.for_record(concern, user=None, url="http://x.test/")
    assert citation.source == "" and "CAT/C/KAZ/CO/4" not in citations.as_text(citation)
    citation = citations.for_record(concern, user=editor, url="http://x.test/")
    assert "CAT/C/KAZ/CO/4" in citation.source


def test_unknown_record_or_format_is_a_404(client):
    concern = build()
    assert client.get(f"/concerns/{concern.pk + 100}/cite.bib").status_code == 404
    assert client.get(f"/concerns/{concern.pk}/cite.pdf").status_code == 404


# Last edited -----------------------------------------------------------------------------------


def meta(html: str) -> str:
    return html[html.index('class="meta-list"') :]


def test_a_record_no_person_edited_says_when_it_was_added(client):
    concern = build()
    # An unattended write (a reload of the curated data, an import run by no one) is no edit.
    concern.summary = "Reworded by a load."
    concern._change_reason = "load_seeds"
    concern.save()
    html = meta(client.get(concern.get_absolute_url()).content.decode())
    assert "Last edited" not in html
    assert "Added" in html and "(not edited since)" in html


def test_last_edited_is_the_last_edit_a_person_made(client, editor):
    concern = build()
    concern.summary = "Edited by an editor."
    concern._history_user = editor
    concern.save()
    edit = concern.history.filter(history_user=editor).latest("history_date")
    edit.history_date = timezone.make_aware(dt.datetime(2026, 3, 5, 12, 0))
    edit.save()
    del concern._history_user
    concern.summary = "Then reloaded."
    concern._change_reason = "load_seeds"
    concern.save()  # a later write without a user does not hide the editor's
    html = meta(client.get(concern.get_absolute_url()).content.decode())
    assert "Last edited" in html and "5 March 2026" in html
    assert 'datetime="2026-03-05T12:00:00' in html
    text = client.get(f"/concerns/{concern.pk}/cite.ris").content.decode()
    assert "DA  - 2026/03/05" in text


def test_source_page_says_added_or_last_edited_too(client, editor):
    source = f.SourceFactory()
    html = client.get(source.get_absolute_url()).content.decode()
    assert "Added" in html and "Last edited" not in html
    source.title = "Renamed"
    source._history_user = editor
    source.save()
    html = client.get(source.get_absolute_url()).content.decode()
    assert "Last edited" in html


SEED_SOURCE = """
- key: test-un-document
  title: Concluding observations on Kazakhstan
  kind: un_document
  publisher: Committee against Torture
  published_on: "2014-12"
  symbol: CAT/C/KAZ/CO/4
  status: published
"""
SEED_CONCERN = """
- key: test-concern
  body: CAT
  country: KAZ
  issued_on: "2014"
  kind: concern
  themes: []
  summary: {summary}
  source: test-un-document
  locator: para. 14
  status: published
"""


def test_a_seed_load_and_its_reload_are_no_edit(client, reference_data, tmp_path):
    """The loader writes history rows with a reason and no user: pages say "Added"."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SEED_SOURCE)
    (folder / "concerns.yaml").write_text(SEED_CONCERN.format(summary="First wording."))
    seeds_load(directory=folder)
    (folder / "concerns.yaml").write_text(SEED_CONCERN.format(summary="Second wording."))
    seeds_load(directory=folder)
    concern = m.Concern.objects.get(key="test-concern")
    assert concern.summary == "Second wording." and concern.history.count() == 2
    html = client.get(concern.get_absolute_url()).content.decode()
    assert "Added" in meta(html) and "Last edited" not in meta(html)
    assert "CAT/C/KAZ/CO/4" in html[html.index('id="citation-text"') :]


def test_record_pages_keep_their_query_counts(client, django_assert_num_queries):
    from tests.test_concern_page import build as build_concern_page

    concern = build_concern_page(2)
    # as pinned in tests/test_concern_page.py: the citation and "last edited" add none
    with django_assert_num_queries(9):
        assert client.get(concern.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("fmt", ["bib", "ris"])
def test_a_citation_file_is_one_query(client, fmt, django_assert_num_queries):
    concern = build()
    # the record with its country, body, source and the date of its last edit by a person
    with django_assert_num_queries(1):
        assert client.get(f"/concerns/{concern.pk}/cite.{fmt}").status_code == 200
