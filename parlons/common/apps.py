from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "parlons.common"
    label = "common"
