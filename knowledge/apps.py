from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge")
    # Called by servicedesk.demo.load_demo after the accounts, in INSTALLED_APPS order.
    demo_loader = "knowledge.demo.load_knowledge_demo"
