"""Links to record pages, for code that writes many of them (pages, API lists, selectors).

Below every layer that links records (selectors, serializers, template tags): it imports nothing
else from the tracker.
"""

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_url_patterns: dict[tuple, str] = {}


def url_pattern(view_name: str) -> str:
    """The path of ``view_name`` for any record as a format string, ``"/claims/{}/"``: pages and
    API lists link hundreds of records, and one ``reverse()`` each was a good part of their time.
    Kept per script prefix, URLconf and language (the paths are translated)."""
    key = (view_name, get_script_prefix(), get_urlconf(), get_language())
    if key not in _url_patterns:
        marker = "987654321"
        _url_patterns[key] = reverse(view_name, args=[marker]).replace(marker, "{}")
    return _url_patterns[key]
