"""The whole demo, as ``load_demo`` loads it, for the tests of the demo."""

from __future__ import annotations

from cmdb.demo import load_cmdb_demo
from incidents.demo import load_incidents_demo
from knowledge.demo import load_knowledge_demo
from servicedesk.demo import load_accounts


def load_demo() -> None:
    load_accounts()
    load_cmdb_demo()
    load_knowledge_demo()
    load_incidents_demo()
