"""The second template engine, Jinja2, for what pages repeat by the hundred: one template per kind
of record (``templates/rows/``), used by every page that lists that kind (its list page, the
country page, the compare page). Django's engine spent about a millisecond on each included
row; Jinja2 renders the same markup in a few tens of microseconds.

A template writes a list of ``records``, each in a list item when ``items``; ``full`` is the list
pages' variant (with the country, the kind and the themes). What is the same for every row (the
links' patterns, the badges, whether the reader sees drafts) comes from the caller,
``tracker_tags._rows``. The templates' words are translated here, in Python (``WORDS``), where
``makemessages`` finds them; the helpers are those of the Django templates (``tracker_tags``).
"""

from html import escape

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from jinja2 import Environment
from markupsafe import Markup

from tracker import models as m
from tracker.links import url_pattern

WORDS = {"para": _("para."), "stated": _("stated")}
CONCERN_KINDS = dict(m.Concern.Kind.choices)
CLAIM_KINDS = dict(m.Claim.Kind.choices)


def _escaped(value):
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return Markup(escape(str(value)))


def environment(**options) -> Environment:
    """The environment of the ``rows`` engine (``TEMPLATES`` in settings)."""
    # Imported here: the template tags import this module to render the rows.
    from tracker.templatetags import tracker_tags as tags

    # Escaped as Django's templates escape (``&#x27;``, ``&quot;``), not as Jinja2 does
    # (``&#39;``, ``&#34;``): the same page is the same bytes whichever engine wrote a part.
    options["finalize"] = _escaped
    env = Environment(**options)
    env.globals.update(
        words=WORDS,
        concern_kinds=CONCERN_KINDS,
        claim_kinds=CLAIM_KINDS,
        badge=lambda status, detail="": Markup(tags._badge(get_language(), status, detail)),
        editorial=lambda user, obj: Markup(tags.editorial_html(user, obj)),
        shorten=tags.shorten,
        partial_date=tags.partial_date,
        local_name=tags.local_name,
        url_pattern=url_pattern,
    )
    return env
