from django.contrib import admin
from django.urls import include, path

from tracker import views

# Public pages live in the "tracker" namespace; the API under /api/.
page_patterns = [
    path("", views.home, name="home"),
    path("countries/<str:code>/", views.country, name="country"),
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
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("tracker.api")),
    path("feeds/", include("tracker.feeds")),
    path("", include((page_patterns, "tracker"))),
]

# A database outage anywhere in the request (even inside middleware) answers 503, not 500.
handler500 = "tracker.middleware.server_error"
