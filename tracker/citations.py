"""Cite this record: a permalink and a citation of a concern, claim, report or source page, as
plain text, BibTeX and RIS, naming the tracker, the record, the source it rests on (by UN symbol
where there is one, and only when the reader may see that source) and the day it was retrieved.

"Last edited" is the last edit made by a person: the newest history row of the record that has a
user (an editor in the admin, through the API or an import they ran) and is a change rather than
the record's creation. Loads of the curated data and other unattended writes leave no user, so
they are not edits a reader is told about; a record no person has changed says when it was added.
"""

import dataclasses
import datetime as dt
import re

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker import models as m

TRACKER = gettext_lazy("Treaty compliance tracker")
FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
}
SUMMARY_LENGTH = 300


def with_edit_dates(queryset):
    """``queryset`` with ``last_person_edit``: when a person last changed each record (None if no
    one has). A subquery of the record's query, so a page runs no query more for it."""
    history = queryset.model.history.model
    edits = (
        history.objects.filter(id=OuterRef("pk"), history_user__isnull=False, history_type="~")
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return queryset.annotate(last_person_edit=Subquery(edits))


def last_edit(obj) -> dict:
    """What a record page says under "Last edited": ``{"edited": datetime}`` for a person's last
    edit, else ``{"added": datetime}``, when the record was added (never an invented edit)."""
    edited = getattr(obj, "last_person_edit", None)
    if edited is not None:
        return {"edited": edited}
    return {"added": obj.created_at}


@dataclasses.dataclass
class Citation:
    key: str  # e.g. tracker-concern-12, the BibTeX key and file name
    title: str
    url: str  # the permalink
    retrieved: dt.date
    dated: dt.datetime  # last person's edit, else when the record was added
    edited: bool  # whether ``dated`` is an edit
    source: str = ""  # the source as words, with its symbol and the locator; "" when hidden
    summary: str = ""

    @property
    def tracker(self) -> str:
        return str(TRACKER)


def _short(text: str, length: int = SUMMARY_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _words(value, precision) -> str:
    from tracker.templatetags.tracker_tags import date_in_words

    return date_in_words(value, precision)


def _visible_source(source, user):
    """The source, if this reader may see it (``sees_drafts``); else None."""
    if source is None:
        return None
    if source.status == m.Editorial.PUBLISHED or m.sees_drafts(user, m.Source):
        return source
    return None


def source_words(source, locator: str = "") -> str:
    """``Concluding observations on Kazakhstan (CAT/C/KAZ/CO/4), Committee against Torture,
    2016, para. 12``."""
    title = source.title
    if source.symbol and source.symbol not in title:
        title += f" ({source.symbol})"
    parts = [title, source.publisher, _words(source.published_on, source.published_on_precision)]
    parts.append(locator)
    return ", ".join(p for p in parts if p)


def _title(obj) -> str:
    from tracker.templatetags.tracker_tags import local_name

    if isinstance(obj, m.Concern):
        parts = [obj.get_kind_display().capitalize() + ": " + local_name(obj.body)]
        parts += [local_name(obj.country), _words(obj.issued_on, obj.issued_on_precision)]
    elif isinstance(obj, m.Claim):
        parts = [_("Government claim") + ": " + obj.get_kind_display(), local_name(obj.country)]
        parts.append(_words(obj.stated_on, obj.stated_on_precision))
    elif isinstance(obj, m.Report):
        parts = [_("Report of practice") + ": " + local_name(obj.country)]
        parts.append(_words(obj.observed_from, obj.observed_from_precision))
    else:
        return obj.title
    return ", ".join(p for p in parts if p)


def for_record(obj, *, user, url: str, retrieved: dt.date | None = None) -> Citation:
    """The citation of a record page (a concern, claim, report or source) for ``user``, whose
    address is ``url``. ``obj`` comes with its source (and country, body) joined, and through
    ``with_edit_dates``."""
    dates = last_edit(obj)
    if isinstance(obj, m.Source):
        source = source_words(obj) if obj.symbol or obj.publisher else ""
        summary = ""
    else:
        visible = _visible_source(obj.source, user)
        source = source_words(visible, obj.locator) if visible is not None else ""
        summary = _short(obj.summary)
    return Citation(
        key=f"tracker-{obj._meta.model_name}-{obj.pk}",
        title=_title(obj),
        url=url,
        retrieved=retrieved or timezone.localdate(),
        dated=dates.get("edited") or dates["added"],
        edited="edited" in dates,
        source=source,
        summary=summary,
    )


def as_text(c: Citation) -> str:
    """The citation as a sentence to paste into a text."""
    day = date_format(timezone.localtime(c.dated), "j F Y")
    dated = (_("last edited %(date)s") if c.edited else _("added %(date)s")) % {"date": day}
    text = f"{c.tracker}. “{c.title}” ({dated})."
    if c.source:
        text += " " + _("Source: %(source)s.") % {"source": c.source}
    retrieved = date_format(c.retrieved, "j F Y")
    return text + " " + _("%(url)s (retrieved %(date)s).") % {"url": c.url, "date": retrieved}


BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_~^])")
BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def _bib(text: str) -> str:
    text = " ".join(str(text).split())
    return BIBTEX_SPECIAL.sub(lambda m_: BIBTEX_ESCAPES.get(m_.group(1), "\\" + m_.group(1)), text)


def as_bibtex(c: Citation) -> str:
    """The citation as one BibTeX ``@misc`` entry (biblatex's ``urldate`` for the day
    retrieved; ``howpublished`` and ``note`` for classic BibTeX styles)."""
    dated = timezone.localtime(c.dated).date()
    fields = [
        ("title", _bib(c.title)),
        ("author", "{" + _bib(c.tracker) + "}"),  # braces: an organisation, not a person's name
        ("organization", _bib(c.tracker)),
        ("year", str(dated.year)),
        ("date", dated.isoformat()),
        ("url", c.url.replace("{", "").replace("}", "")),
        ("howpublished", "\\url{" + c.url.replace("{", "").replace("}", "") + "}"),
        ("urldate", c.retrieved.isoformat()),
    ]
    notes = []
    if c.source:
        notes.append(_("Source: %(source)s") % {"source": c.source})
    notes.append(_("Retrieved %(date)s") % {"date": c.retrieved.isoformat()})
    fields.append(("note", _bib(". ".join(notes))))
    if c.summary:
        fields.append(("abstract", _bib(c.summary)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{c.key},\n{body}\n}}\n"


def _ris(text: str) -> str:
    return " ".join(str(text).split())


def as_ris(c: Citation) -> str:
    """The citation as an RIS record (``TY  - ELEC`` ... ``ER  - ``), lines ending in CRLF."""
    dated = timezone.localtime(c.dated).date()
    lines = [
        ("TY", "ELEC"),
        ("TI", _ris(c.title)),
        ("AU", _ris(c.tracker)),
        ("PB", _ris(c.tracker)),
        ("PY", str(dated.year)),
        ("DA", dated.strftime("%Y/%m/%d")),
        ("UR", c.url),
        ("Y2", c.retrieved.strftime("%Y/%m/%d")),
    ]
    if c.source:
        lines.append(("N1", _ris(_("Source: %(source)s") % {"source": c.source})))
    if c.summary:
        lines.append(("AB", _ris(c.summary)))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)
