from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "parlons.modules.budgets"
    label = "budgets"
    verbose_name = _("Participatory budgeting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from parlons.modules.budgets import transparency

        transparency.register()
