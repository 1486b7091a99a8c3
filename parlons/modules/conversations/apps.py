from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "parlons.modules.conversations"
    label = "conversations"
    verbose_name = _("Conversations (opinion map)")

    def ready(self) -> None:
        # Registers the recomputation task with huey's consumer.
        from parlons.modules.conversations import tasks  # noqa: F401
