"""The "Download CSV" and "Download Excel" links of a page, and a record's citation block."""

from django import template
from django.http import QueryDict
from django.urls import reverse

from tracker import citations, exporters
from tracker import models as m

register = template.Library()

# The list a cited record belongs to: its page is ``/<list>/<id>/``, its citation files beside.
CITED_LISTS = {m.Concern: "concerns", m.Claim: "claims", m.Report: "reports", m.Source: "sources"}


@register.inclusion_tag("tracker/_downloads.html", takes_context=True)
def download_links(context, count=None):
    """Links to the page's own address with ``format=csv`` and ``format=xlsx`` added: the same
    filters, every page of the list (``page`` is dropped). ``count`` is the number of rows the
    file would hold, when the page knows it: beyond ``DOWNLOAD_LIMIT`` the links give way to a
    note asking for narrower filters."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    links = {}
    for fmt in exporters.DOWNLOAD_FORMATS:
        params["format"] = fmt
        links[fmt] = "?" + params.urlencode(safe=",")
    return {
        "csv_url": links["csv"],
        "xlsx_url": links["xlsx"],
        "too_many": count is not None and count > exporters.DOWNLOAD_LIMIT,
        "limit": f"{exporters.DOWNLOAD_LIMIT:,}",
    }


@register.inclusion_tag("tracker/_cite.html", takes_context=True)
def cite_block(context, obj):
    """ "Cite this record": the permalink, the citation as text, and links to it as BibTeX and
    RIS (``tracker.citations``)."""
    request = context["request"]
    url = request.build_absolute_uri(obj.get_absolute_url())
    citation = citations.for_record(obj, user=request.user, url=url)
    kind = CITED_LISTS[type(obj)]
    return {
        "permalink": url,
        "text": citations.as_text(citation),
        "files": [
            (fmt, reverse("tracker:cite", kwargs={"kind": kind, "pk": obj.pk, "fmt": fmt}))
            for fmt in citations.FORMATS
        ],
    }


@register.inclusion_tag("tracker/_last_edited.html")
def last_edited(obj):
    """ "Last edited" with the last edit a person made, else "Added" with the day the record
    was added (``citations.last_edit``)."""
    return citations.last_edit(obj)


@register.inclusion_tag("tracker/_country_downloads.html", takes_context=True)
def country_downloads(context, country):
    """The country page's downloads: its treaty table as of the page's date (the treaty table's
    own download for this one country) and all its concerns, claims and reports (the lists'
    downloads, filtered on the country): the files the lists and the treaty table make."""
    as_of = context["request"].GET.get("as_of", "")
    treaty_params = QueryDict(mutable=True)
    treaty_params["countries"] = country.code
    if as_of:
        treaty_params["as_of"] = as_of
    groups = [("treaties", reverse("tracker:treaties"), treaty_params)]
    for name in ("concerns", "claims", "reports"):
        params = QueryDict(mutable=True)
        params["country"] = country.code
        groups.append((name, reverse(f"tracker:{name}"), params))
    out = []
    for name, path, params in groups:
        links = []
        for fmt in exporters.DOWNLOAD_FORMATS:
            params["format"] = fmt
            links.append((fmt, f"{path}?{params.urlencode(safe=',')}"))
        out.append((name, links))
    return {"groups": out}
