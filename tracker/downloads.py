"""The files pages are downloaded as: a list, the treaty table or the compare page as CSV or
Excel (``?format=csv`` / ``xlsx`` on the page's own address, read by the page's view, so the
file holds the rows the page shows with its filters), and a record's citation as BibTeX or RIS.
The tables themselves are made in ``tracker.exporters``, the citations in ``tracker.citations``.
"""

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from tracker import citations, exporters
from tracker import models as m


def _download_format(request) -> str | None:
    """The file a page is asked for (``?format=csv`` or ``xlsx``), None for the page itself.
    Raises ``ValueError`` with a message for any other format."""
    fmt = request.GET.get("format", "")
    if not fmt:
        return None
    if fmt not in exporters.DOWNLOAD_FORMATS:
        raise ValueError(
            _("Unknown format: %(format)s. Choose from: %(formats)s.")
            % {"format": fmt, "formats": ", ".join(exporters.DOWNLOAD_FORMATS)}
        )
    return fmt


def _download_refused(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _download(table: exporters.Table, fmt: str) -> HttpResponse:
    """The table as a file to save, named for the page, its filters and the day."""
    content, content_type = exporters.table_bytes(table, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{table.name}.{fmt}"'
    return response


def list_download(request, name: str, rows, cleaned: dict):
    """Every row of a filtered list (not only its page) as CSV or Excel, or a 400 saying why
    not: an unknown format, or more rows than a download holds."""
    try:
        fmt = _download_format(request)
    except ValueError as error:
        return _download_refused(str(error))
    total = rows.count()
    if total > exporters.DOWNLOAD_LIMIT:
        return _download_refused(
            _(
                "This list has %(n)s records; a download holds at most %(limit)s. "
                "Narrow the filters, or read the list through the API page by page."
            )
            % {"n": f"{total:,}", "limit": f"{exporters.DOWNLOAD_LIMIT:,}"}
        )
    if name == "concerns":
        rows = rows.select_related("review")
    stem = exporters.file_name(name, cleaned.get("country") or [], cleaned.get("theme") or [])
    table = exporters.LIST_TABLES[name](
        rows, user=request.user, base_url=request.build_absolute_uri("/"), name=stem
    )
    return _download(table, fmt)


def _refusal(errors, form) -> str | None:
    """Why a page's file cannot be made: its own errors, or the as-of date's."""
    messages = list(errors)
    if form.is_bound and not form.is_valid():
        messages += [str(e) for e in form.errors.get("as_of", [])]
    return " ".join(messages) or None


def compare_download(request, result, errors, form, codes, slug):
    """The compare page's table as CSV or Excel: every row it shows, country by country."""
    try:
        fmt = _download_format(request)
    except ValueError as error:
        return _download_refused(str(error))
    refusal = _refusal(errors, form)
    if refusal or result is None:
        return _download_refused(refusal or _("Nothing to compare."))
    dated = [] if result.as_of == dt.date.today() else ["as-of", result.as_of.isoformat()]
    stem = exporters.file_name("compare", codes, slug, dated)
    table = exporters.compare_people_table(
        result, user=request.user, base_url=request.build_absolute_uri("/"), name=stem
    )
    return _download(table, fmt)


def treaties_download(request, context, errors, form, codes):
    """The treaty table as CSV or Excel: the page's countries, order and as-of date."""
    try:
        fmt = _download_format(request)
    except ValueError as error:
        return _download_refused(str(error))
    refusal = _refusal(errors, form)
    if refusal:
        return _download_refused(refusal)
    as_of = context["as_of"]
    dated = [] if as_of == dt.date.today() else ["as-of", as_of.isoformat()]
    stem = exporters.file_name("treaties", codes, dated)
    table = exporters.treaties_table(
        context["rows"], context["instruments"], as_of=as_of, name=stem
    )
    return _download(table, fmt)


# Citations -------------------------------------------------------------------------------------

CITED = {
    "concerns": (m.Concern, ("country", "body", "source")),
    "claims": (m.Claim, ("country", "source")),
    "reports": (m.Report, ("country", "source")),
    "sources": (m.Source, ()),
}


def cite(request, kind, pk, fmt):
    """A record page's citation as a file: BibTeX (``cite.bib``) or RIS (``cite.ris``)."""
    model, related = CITED[kind]
    queryset = citations.with_edit_dates(model.objects.visible_to(request.user))
    obj = get_object_or_404(queryset.select_related(*related), pk=pk)
    citation = citations.for_record(
        obj, user=request.user, url=request.build_absolute_uri(obj.get_absolute_url())
    )
    text = citations.as_bibtex(citation) if fmt == "bib" else citations.as_ris(citation)
    response = HttpResponse(text.encode("utf-8"), content_type=citations.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{citation.key}.{fmt}"'
    return response
