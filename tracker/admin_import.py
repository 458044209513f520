"""The admin's Import view: upload, preview (a dry run), confirm. Same importers as the command.

The upload is checked before anything reads it: size (``IMPORT_MAX_BYTES``, default 20 MB) and
type by content (an .xlsx is a zip holding ``[Content_Types].xml``, an .xls an OLE2 file, CSV
and JSON UTF-8 text). Between preview and confirm the file waits under a random token in a
private folder (``IMPORT_STASH_DIR``, default ``var/imports``; the folders owner-only, the file
readable by its owner alone), so the confirmed import reads exactly what was previewed. It is
removed when the import ends, when the editor cancels, and in any case after
``IMPORT_STASH_HOURS`` (default 24): every new upload sweeps the expired ones.

Both the preview's dry run and the confirmed import run in a worker thread while the page is
sent: first its top, then a status line per step of progress ("uhri: 12,000 of 40,000 rows"),
then the result or the error, then the rest of the page. Plain HTML, no script: a stylesheet
shows only the newest status line.
"""

import logging
import os
import queue
import re
import secrets
import shutil
import threading
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.importers import ImportDataError, run_import
from tracker.importers.base import decode_text, progress_listener, sniff
from tracker.middleware import (
    UNAVAILABLE_MESSAGE,
    WRITE_LOCKED_MESSAGE,
    is_database_outage,
    is_write_locked,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
UPLOADS = Path(settings.IMPORT_STASH_DIR)
TOKEN = re.compile(r"^[0-9a-f]{32}$")

# Format -> (label, content types it accepts, the permission it needs).
FORMATS = {
    "untc-extract": (_("UN Treaty Collection extract (one CSV file)"), {"csv"}, "ratification"),
    "ohchr-ratifications": (
        _("OHCHR ratification dashboard data (.xlsx, .xls, .csv)"),
        {"xlsx", "xls", "csv"},
        "ratification",
    ),
    "uhri": (
        _("Universal Human Rights Index export (.csv, .xlsx, .json)"),
        {"csv", "xlsx", "json"},
        "concern",
    ),
    "tracker": (_("The tracker's own export (.csv, .json)"), {"csv", "json"}, "source"),
}


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


class UploadForm(forms.Form):
    format = forms.ChoiceField(choices=[(k, v[0]) for k, v in FORMATS.items()])
    file = forms.FileField()
    instrument = forms.CharField(
        required=False,
        max_length=20,
        help_text=_("Instrument code, when the file name does not say (e.g. CRPD)."),
    )
    publish = forms.BooleanField(
        required=False, help_text=_("UHRI: publish new reviews and concerns at once.")
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label=_("Skip invalid rows"),
        help_text=_(
            "UHRI: import every row that can be placed and list the others in a report (CSV) "
            "instead of stopping at the first."
        ),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None or "format" not in data:
            return data
        limit = max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s bytes."),
                params={"size": upload.size, "limit": limit},
            )
        content = upload.read()
        kind = sniff(content)
        if kind in {"csv", "json"}:
            try:
                decode_text(content, upload.name)
            except ImportDataError:
                raise forms.ValidationError(
                    _("This file is neither a spreadsheet nor UTF-8 text.")
                ) from None
        accepted = FORMATS[data["format"]][1]
        if kind not in accepted:
            raise forms.ValidationError(
                _("This file looks like %(kind)s; this format takes %(accepted)s."),
                params={"kind": kind, "accepted": ", ".join(sorted(accepted))},
            )
        data["content"] = content
        return data


def _may_import(user, fmt: str | None = None) -> bool:
    models = [FORMATS[fmt][2]] if fmt else {v[2] for v in FORMATS.values()}
    return (
        user.is_active
        and user.is_staff
        and any(user.has_perm(f"tracker.add_{name}") for name in models)
    )


def _expired(folder: Path) -> bool:
    return folder.stat().st_mtime < time.time() - settings.IMPORT_STASH_HOURS * 3600


def _stash(content: bytes, name: str) -> str:
    """Keep an upload for its confirmation; returns its token. Sweeps expired uploads first."""
    UPLOADS.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(UPLOADS, 0o700)  # also when it existed with wider permissions
    for folder in UPLOADS.iterdir():
        if folder.is_dir() and TOKEN.match(folder.name) and _expired(folder):
            shutil.rmtree(folder, ignore_errors=True)
    token = secrets.token_hex(16)
    folder = UPLOADS / token
    folder.mkdir(mode=0o700)
    descriptor = os.open(folder / Path(name).name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return token


def _stashed(token: str) -> Path | None:
    if not TOKEN.match(token or ""):
        return None
    folder = UPLOADS / token
    if not folder.is_dir() or _expired(folder):
        return None
    files = list(folder.iterdir())
    return files[0] if len(files) == 1 else None


def _discard(token: str) -> None:
    if TOKEN.match(token or ""):
        shutil.rmtree(UPLOADS / token, ignore_errors=True)


def import_view(request):
    """Upload and preview (POST ``preview``), then confirm (POST ``confirm`` with the token)."""
    if not _may_import(request.user):
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": _("Import data")}
    if request.method == "POST" and "cancel" in request.POST:
        _discard(request.POST.get("token", ""))
        messages.info(request, _("The upload was discarded; nothing was imported."))
        return redirect("admin:tracker_import")
    if request.method == "POST" and "confirm" in request.POST:
        fmt = request.POST.get("format", "")
        stashed = _stashed(request.POST.get("token", ""))
        if fmt not in FORMATS or stashed is None:
            messages.error(request, _("That upload has expired; upload the file again."))
            return redirect("admin:tracker_import")
        if not _may_import(request.user, fmt):
            raise PermissionDenied
        context.update(done=True, form=UploadForm())
        return _import_page(
            request,
            context,
            fmt,
            stashed,
            instrument=request.POST.get("instrument") or None,
            publish=request.POST.get("publish") == "on",
            skip_invalid=request.POST.get("skip_invalid") == "on",
        )

    form = UploadForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["format"]
        if not _may_import(request.user, fmt):
            raise PermissionDenied
        upload = form.cleaned_data["file"]
        token = _stash(form.cleaned_data["content"], upload.name)
        context.update(token=token, preview=form.cleaned_data, file_name=upload.name)
        return _import_page(
            request,
            context,
            fmt,
            _stashed(token),
            dry_run=True,
            instrument=form.cleaned_data["instrument"] or None,
            publish=form.cleaned_data["publish"],
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
    return TemplateResponse(request, "admin/tracker/import.html", context)


def _import_page(request, context: dict, fmt: str, stashed: Path, **options):
    """The import page, sent while ``run_import`` works in a thread (see the module docstring).

    The upload's folder is removed when the import ends, except after a successful preview,
    whose confirmation reads it again.
    """
    mark = f"import-status-{secrets.token_hex(8)}"
    page = render_to_string(
        "admin/tracker/import.html", {**context, "streaming": True, "status_mark": mark}, request
    )
    head, tail = page.split(mark)
    language = translation.get_language()
    events: queue.Queue = queue.Queue()
    keep = bool(options.get("dry_run"))
    worker = threading.Thread(
        target=_import_in_thread,
        args=(request, events, fmt, stashed, keep),
        kwargs=options,
        name="tracker-import",
        daemon=True,
    )

    def stream():
        with translation.override(language):
            yield head
            yield '<div class="import-status" role="status">'
            yield format_html("<p>{}</p>", _("Reading %(file)s") % {"file": stashed.name})
            started = time.monotonic()
            worker.start()  # here, not in the view: the middleware is done with the request
            while (event := events.get())[0] == "progress":
                yield _status_line(*event[1])
            worker.join()
            outcome, value = event
            seconds = f"{time.monotonic() - started:.1f}"
            if outcome == "done":
                context["result"] = value
                context["skipped"] = value.skipped[:REPORT_LIST_LIMIT]
                if value.skipped:
                    context["report_url"] = reverse(
                        "admin:tracker_import_report", args=[_save_report(value.skipped_csv())]
                    )
                text = _("%(rows)s rows in %(seconds)s s") % {
                    "rows": intcomma(value.rows),
                    "seconds": seconds,
                }
            else:
                context.update(error=value, token=None)
                text = _("Stopped after %(seconds)s s") % {"seconds": seconds}
            yield format_html("<p>{}</p>", text)
            yield "</div>"
            yield render_to_string("admin/tracker/import_body.html", context, request)
            yield tail

    response = StreamingHttpResponse(stream(), content_type="text/html; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # a proxy such as nginx passes each line on at once
    return response


REPORTS = UPLOADS / "reports"
REPORT_LIST_LIMIT = 50  # rows left out shown on the page; the report lists all of them


def _save_report(text: str) -> str:
    """Keep a report of the rows an import left out, under a random token; returns the token."""
    token = secrets.token_hex(16)
    REPORTS.mkdir(parents=True, exist_ok=True, mode=0o700)
    (REPORTS / f"{token}.csv").write_text(text, encoding="utf-8")
    return token


def import_report(request, token: str):
    """The CSV report of the rows an import left out (``--skip-invalid``), as a download."""
    if not _may_import(request.user):
        raise PermissionDenied
    path = REPORTS / f"{token}.csv"
    if not TOKEN.match(token) or not path.is_file():
        raise Http404(_("That report has expired."))
    response = HttpResponse(path.read_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rows-left-out.csv"'
    return response


def _status_line(label: str, done: int, total: int) -> str:
    """One step of progress as HTML: "uhri: 12,000 of 40,000 rows", with a bar."""
    if total and done < total:
        text = _("%(label)s: %(done)s of %(total)s rows") % {
            "label": label,
            "done": intcomma(done),
            "total": intcomma(total),
        }
        return format_html('<p>{} <progress max="{}" value="{}"></progress></p>', text, total, done)
    if total:
        text = _("%(label)s: %(done)s rows read; finishing") % {
            "label": label,
            "done": intcomma(done),
        }
    else:
        text = _("%(label)s: %(done)s rows") % {"label": label, "done": intcomma(done)}
    return format_html("<p>{}</p>", text)


def link_changes(changes) -> None:
    """Give each listed record its admin page's address: one query per kind of record."""
    by_model: dict = {}
    for change in changes:
        by_model.setdefault(change.model, []).append(change)
    for model, listed in by_model.items():
        field = "key" if any(f.name == "key" for f in model._meta.fields) else "pk"
        rows = model.objects.filter(**{f"{field}__in": [c.key for c in listed]})
        found = {str(key): pk for key, pk in rows.values_list(field, "pk")}
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
        for change in listed:
            if change.key in found:
                try:
                    change.url = reverse(name, args=[found[change.key]])
                except NoReverseMatch:  # a kind of record the admin does not show
                    break


def _import_in_thread(request, events: queue.Queue, fmt: str, stashed: Path, keep: bool, **options):
    """Run one import and report to ``events``: ("progress", (label, done, total)) per step, then
    exactly one ("done", result) or ("error", text).

    The view has returned by now, and with it the middleware's hold on the request: the user
    for the edit history is set here again, and the thread closes its own database connection.
    """
    HistoricalRecords.context.request = request
    progress_listener.set(lambda *step: events.put(("progress", step)))
    outcome = ("error", _("The import stopped on an unexpected error, which has been logged."))
    try:
        result = run_import(fmt, stashed, **options)
        if not options.get("dry_run"):
            link_changes(result.changes)
        outcome = ("done", result)
    except ImportDataError as exc:
        outcome = ("error", str(exc))
    except Exception as exc:
        # run_import's transaction was rolled back: nothing was saved.
        logger.exception("Import of %s (%s) by %s failed", stashed.name, fmt, request.user)
        if is_write_locked(exc):
            outcome = ("error", WRITE_LOCKED_MESSAGE)
        elif is_database_outage(exc):
            outcome = ("error", UNAVAILABLE_MESSAGE)
    finally:
        try:
            del HistoricalRecords.context.request
            connection.close()
            if not (keep and outcome[0] == "done"):
                shutil.rmtree(stashed.parent, ignore_errors=True)
        finally:
            events.put(outcome)  # the page waits for it


_previous_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("import/", admin.site.admin_view(import_view), name="tracker_import"),
        path(
            "import/report/<str:token>/",
            admin.site.admin_view(import_report),
            name="tracker_import_report",
        ),
        *_previous_get_urls(),
    ]


_previous_get_app_list = admin.site.get_app_list


def _get_app_list(request, app_label=None):
    """The admin index lists "Import data" under the tracker for staff who may import."""
    apps = _previous_get_app_list(request, app_label)
    if not _may_import(request.user):
        return apps
    for app in apps:
        if app["app_label"] == "tracker":
            app["models"].append(
                {
                    "name": _("Import data"),
                    "object_name": "Import",
                    "admin_url": reverse("admin:tracker_import"),
                    "add_url": None,
                    "view_only": False,
                    "perms": {"add": True, "change": False, "delete": False, "view": True},
                }
            )
    return apps


admin.site.get_urls = _get_urls
admin.site.get_app_list = _get_app_list
