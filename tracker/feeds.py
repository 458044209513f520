"""Atom feeds of newly published concerns, claims and reports: overall, per country, per theme.

``/feeds/concerns/``, ``/feeds/concerns/KAZ/``, ``/feeds/concerns/theme/torture/`` and the same
for ``claims`` and ``reports``. Only published records appear, newest edit first; each entry
links to its page and, as ``rel="related"``, to the source it cites.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator

from tracker import models as m

FEED_SIZE = 50


class AtomWithSources(Atom1Feed):
    """Atom with each entry's source as a ``related`` link (and its external URL as ``via``)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
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
            if code != code.upper():
                raise Http404("Country codes are upper-case ISO 3166-1 alpha-3, e.g. KAZ.")
            return get_object_or_404(m.Country, code=code)
        if slug is not None:
            return get_object_or_404(m.Theme, slug=slug)
        return None

    def title(self, obj):
        scope = f": {obj.name}" if obj is not None else ""
        return f"Treaty compliance tracker: new {self.plural}{scope}"

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
        extra = {"source_title": source.title, "source_url": source.url}
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


app_name = "feeds"
urlpatterns = []
for _feed in (ConcernFeed(), ClaimFeed(), ReportFeed()):
    urlpatterns += [
        path(f"{_feed.plural}/", _feed, name=_feed.plural),
        path(f"{_feed.plural}/theme/<slug:slug>/", _feed, name=f"{_feed.plural}-theme"),
        path(f"{_feed.plural}/<str:code>/", _feed, name=f"{_feed.plural}-country"),
    ]
