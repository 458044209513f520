"""The admin's Import view: upload, preview (a dry run), confirm. Same importers as the command.

The upload is checked before anything reads it: size (``IMPORT_MAX_BYTES``, default 20 MB) and
type by content (an .xlsx is a zip holding ``[Content_Types].xml``, an .xls an OLE2 file, CSV
and JSON UTF-8 text). Between preview and confirm the file waits in a private temporary folder
under a random token, so the confirmed import reads exactly what was previewed.
"""

import re
import secrets
import shutil
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from tracker.importers import ImportDataError, run_import
from tracker.importers.base import decode_text, sniff

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
UPLOADS = Path(tempfile.gettempdir()) / "tracker-imports"
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


def _stash(content: bytes, name: str) -> str:
    token = secrets.token_hex(16)
    folder = UPLOADS / token
    folder.mkdir(parents=True, mode=0o700)
    (folder / Path(name).name).write_bytes(content)
    return token


def _stashed(token: str) -> Path | None:
    if not TOKEN.match(token or ""):
        return None
    folder = UPLOADS / token
    files = list(folder.iterdir()) if folder.is_dir() else []
    return files[0] if len(files) == 1 else None


def import_view(request):
    """Upload and preview (POST ``preview``), then confirm (POST ``confirm`` with the token)."""
    if not _may_import(request.user):
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": _("Import data")}
    if request.method == "POST" and "confirm" in request.POST:
        fmt = request.POST.get("format", "")
        stashed = _stashed(request.POST.get("token", ""))
        if fmt not in FORMATS or stashed is None:
            messages.error(request, _("That upload has expired; upload the file again."))
            return redirect("admin:tracker_import")
        if not _may_import(request.user, fmt):
            raise PermissionDenied
        try:
            result = run_import(
                fmt,
                stashed,
                instrument=request.POST.get("instrument") or None,
                publish=request.POST.get("publish") == "on",
            )
        except ImportDataError as exc:
            messages.error(request, _("Nothing imported. %(error)s") % {"error": exc})
        else:
            messages.success(request, " ".join(result.lines()[:6]))
            context["result"] = result
        finally:
            shutil.rmtree(stashed.parent, ignore_errors=True)
        context["form"] = UploadForm()
        context["done"] = True
        return TemplateResponse(request, "admin/tracker/import.html", context)

    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["format"]
        if not _may_import(request.user, fmt):
            raise PermissionDenied
        upload = form.cleaned_data["file"]
        token = _stash(form.cleaned_data["content"], upload.name)
        try:
            context["result"] = run_import(
                fmt,
                _stashed(token),
                dry_run=True,
                instrument=form.cleaned_data["instrument"] or None,
                publish=form.cleaned_data["publish"],
            )
        except ImportDataError as exc:
            shutil.rmtree(UPLOADS / token, ignore_errors=True)
            context["error"] = str(exc)
        else:
            context["token"] = token
            context["preview"] = form.cleaned_data
            context["file_name"] = upload.name
    context["form"] = form
    return TemplateResponse(request, "admin/tracker/import.html", context)


_previous_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("import/", admin.site.admin_view(import_view), name="tracker_import"),
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
