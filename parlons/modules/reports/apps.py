from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "parlons.modules.reports"
    label = "reports"
    verbose_name = _("Reports of local problems")

    def ready(self) -> None:
        # Registers the periodic task with huey's consumer.
        from parlons.modules.reports import dialogue_targets, tasks  # noqa: F401

        dialogue_targets.register()
