"""Sample files for the admin's import page: one small file per format, in the layout the real
exports have, with example rows (``tracker/import_samples/``), and the view that serves them."""

from pathlib import Path

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path

FOLDER = Path(__file__).resolve().parent / "import_samples"

# File name -> the import format that reads it.
SAMPLES = {
    "hr_status_cat.csv": "untc-extract",
    "UnderlyingData_CAT_OHCHR_01_07_2026.csv": "ohchr-ratifications",
    "uhri-sample.json": "uhri",
    "uhri-sample.csv": "uhri",
}


def sample_view(request, name: str):
    """One sample file as a download, for staff who may import something."""
    if name not in SAMPLES:
        raise Http404
    if not any(request.user.has_perm(f"tracker.add_{m}") for m in ("ratification", "concern")):
        raise PermissionDenied
    return FileResponse((FOLDER / name).open("rb"), as_attachment=True, filename=name)


def urls():
    return [
        path(
            "import/samples/<str:name>",
            admin.site.admin_view(sample_view),
            name="tracker_import_sample",
        )
    ]
