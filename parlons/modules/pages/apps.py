from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "parlons.modules.pages"
    label = "pages"
    verbose_name = "Information pages"
