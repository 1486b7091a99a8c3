from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "parlons.core"
    label = "core"
    verbose_name = "Parlons core"

    def ready(self) -> None:
        # Every installed app may declare a participation module in its manifest.py.
        autodiscover_modules("manifest")
