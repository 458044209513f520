from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from tracker import downloads, views

# Public pages live in the "tracker" namespace, in English at /countries/KAZ/ and in Russian at
# /ru/countries/KAZ/ (the language is in the URL: a link opens in its language for anyone). The
# API, feeds and admin keep one address and negotiate the language (tracker.middleware).
page_patterns = [
    path("", views.home, name="home"),
    path("countries/", views.countries, name="countries"),
    path("countries/<str:code>/", views.country, name="country"),
    path("instruments/<slug:code>/", views.instrument, name="instrument"),
    path("themes/<slug:slug>/", views.theme, name="theme"),
    path("compare/", views.compare, name="compare"),
    path("treaties/", views.treaties, name="treaties"),
    path("concerns/", views.concerns, name="concerns"),
    path("claims/", views.claims, name="claims"),
    path("reports/", views.reports, name="reports"),
    path("sources/", views.sources, name="sources"),
    path("concerns/<int:pk>/", views.concern, name="concern"),
    path("claims/<int:pk>/", views.claim, name="claim"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("sources/<int:pk>/", views.source, name="source"),
    re_path(
        r"^(?P<kind>concerns|claims|reports|sources)/(?P<pk>[0-9]+)/cite\.(?P<fmt>bib|ris)$",
        downloads.cite,
        name="cite",
    ),
    path("search/", views.site_search, name="search"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/search/", views.site_search_json, name="search-json"),  # the search page's twin
    path("api/", include("tracker.api")),
    path("feeds/", include("tracker.feeds")),
]
urlpatterns += i18n_patterns(
    path("", include((page_patterns, "tracker"))), prefix_default_language=False
)

# A database outage anywhere in the request (even inside middleware) answers 503, not 500.
handler400 = "tracker.middleware.bad_request"
handler500 = "tracker.middleware.server_error"
