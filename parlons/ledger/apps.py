from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "parlons.ledger"
    label = "ledger"
    verbose_name = _("Transparency log")

    def ready(self) -> None:
        from parlons.core import hooks
        from parlons.ledger import services

        # The core calls this inside decision_record's transaction (core never imports the ledger).
        hooks.add_listener(hooks.decision_recorded_listeners, services.on_decision_recorded)
