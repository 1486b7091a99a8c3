from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "parlons.web"
    label = "web"
