from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "parlons.geo"
    label = "geo"
