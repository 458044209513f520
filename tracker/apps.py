from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Treaty compliance tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the signal handlers that invalidate cached pages on every edit, in every
        # process (server, commands, tests), not only where the middleware is loaded.
        from tracker import cache, counts  # noqa: F401
