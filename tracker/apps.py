from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Treaty compliance tracker"
    default_auto_field = "django.db.models.BigAutoField"
