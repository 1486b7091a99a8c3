from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "parlons.modules.consultations"
    label = "consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from parlons.modules.consultations import dialogue_targets

        dialogue_targets.register()
