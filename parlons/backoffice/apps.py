from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "parlons.backoffice"
    label = "backoffice"
