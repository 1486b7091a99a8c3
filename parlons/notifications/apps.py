from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "parlons.notifications"
    label = "notifications"
