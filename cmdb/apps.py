from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    name = "cmdb"
    verbose_name = _("CMDB")
    # Called by servicedesk.demo.load_demo after the accounts, in INSTALLED_APPS order.
    demo_loader = "cmdb.demo.load_cmdb_demo"
