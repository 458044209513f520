"""Atom feeds of newly published concerns, claims and reports: overall, per country, per theme.

``/feeds/concerns/``, ``/feeds/concerns/KAZ/``, ``/feeds/concerns/theme/torture/`` and the same
for ``claims`` and ``reports``; ``/feeds/countries/KAZ/`` has all three kinds for one country.
Only published records appear, newest edit first; each entry links to its page and, as
``rel="related"``, to the source it cites. Every feed and entry names an author: the source's
publisher, else the tracker. Country codes are read in any case, as the pages read them.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator

from tracker import models as m

FEED_SIZE = 50
# The feed's author, and an entry's when its source names no publisher.
TRACKER_NAME = "Treaty compliance tracker"


def feed_country(code: str) -> m.Country:
    """The country a feed's address names, in any case (``kaz`` is ``KAZ``), or a 404."""
    return get_object_or_404(m.Country, code=code.upper())


def item_author(item) -> str:
    source = item.source
    return (source.publisher if source is not None else "") or TRACKER_NAME


class AtomWithSources(Atom1Feed):
    """Atom with plain-text summaries and each entry's source as a ``related`` link (and its
    external URL as ``via``)."""

    def add_item_elements(self, handler, item):
        # Summaries are plain text: Django's Atom marks them type="html", so a reader would
        # take "a < b" or "<i>" in a summary for markup.
        description = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if description is not None:
            handler.addQuickElement("summary", description, {"type": "text"})
        if item.get("source_page"):
            attrs = {"rel": "related", "href": item["source_page"], "title": item["source_title"]}
            handler.addQuickElement("link", "", attrs)
        if item.get("source_url"):
            handler.addQuickElement("link", "", {"rel": "via", "href": item["source_url"]})


class RecordFeed(Feed):
    """A feed of one kind of record, optionally narrowed to a country or a theme."""

    feed_type = AtomWithSources
    model: type[m.EditorialModel]
    plural = ""
    list_url = ""

    def get_object(self, request, code=None, slug=None):
        self.request = request
        if code is not None:
            return feed_country(code)
        if slug is not None:
            return get_object_or_404(m.Theme, slug=slug)
        return None

    author_name = TRACKER_NAME

    def title(self, obj):
        scope = f": {obj.name}" if obj is not None else ""
        return f"{TRACKER_NAME}: new {self.plural}{scope}"

    def item_author_name(self, item):
        return item_author(item)

    def subtitle(self, obj):
        return f"Newly published {self.plural}, newest first, each with its source."

    def link(self, obj):
        url = reverse(f"tracker:{self.plural}")
        if isinstance(obj, m.Country):
            return f"{url}?country={obj.code}"
        if isinstance(obj, m.Theme):
            return f"{url}?theme={obj.slug}"
        return url

    def items(self, obj):
        queryset = self.model.objects.published().select_related("country", "source")
        if isinstance(obj, m.Country):
            queryset = queryset.filter(country=obj)
        elif isinstance(obj, m.Theme):
            queryset = queryset.filter(themes=obj)
        return queryset.order_by("-updated_at", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.country.name}: {Truncator(item.summary).chars(100)}"

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return self.request.build_absolute_uri(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.country_id]

    def item_extra_kwargs(self, item):
        source = item.source
        if source is None:
            return {}
        extra = {"source_title": source.title, "source_url": source.document_link}
        if source.status == m.Editorial.PUBLISHED:
            extra["source_page"] = self.request.build_absolute_uri(source.get_absolute_url())
        return extra


class ConcernFeed(RecordFeed):
    model = m.Concern
    plural = "concerns"


class ClaimFeed(RecordFeed):
    model = m.Claim
    plural = "claims"


class ReportFeed(RecordFeed):
    model = m.Report
    plural = "reports"


class CountryFeed(RecordFeed):
    """Everything newly published about one country: concerns, claims and reports together."""

    KINDS = ((m.Concern, "concern"), (m.Claim, "claim"), (m.Report, "report"))

    def get_object(self, request, code):
        self.request = request
        return feed_country(code)

    def title(self, obj):
        return f"{TRACKER_NAME}: new on {obj.name}"

    def subtitle(self, obj):
        return (
            f"Concerns, government claims and reports of practice on {obj.name}, newest first, "
            "each with its source."
        )

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        # The newest of each kind (one query each), then the newest of those.
        rows = []
        for model, kind in self.KINDS:
            queryset = model.objects.published().filter(country=obj)
            for row in queryset.select_related("country", "source").order_by("-updated_at", "-pk")[
                :FEED_SIZE
            ]:
                row.feed_kind = kind
                rows.append(row)
        rows.sort(key=lambda row: row.updated_at, reverse=True)
        return rows[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.country.name}, {item.feed_kind}: {Truncator(item.summary).chars(100)}"

    def item_categories(self, item):
        return [item.country_id, item.feed_kind]


app_name = "feeds"
urlpatterns = [path("countries/<str:code>/", CountryFeed(), name="country")]
for _feed in (ConcernFeed(), ClaimFeed(), ReportFeed()):
    urlpatterns += [
        path(f"{_feed.plural}/", _feed, name=_feed.plural),
        path(f"{_feed.plural}/theme/<slug:slug>/", _feed, name=f"{_feed.plural}-theme"),
        path(f"{_feed.plural}/<str:code>/", _feed, name=f"{_feed.plural}-country"),
    ]
