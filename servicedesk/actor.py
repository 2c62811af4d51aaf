"""Who is acting: the user and the context that the database's audit triggers record with each change, set as
transaction-local settings just before each audited write (decision record 0004)."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from psycopg.pq import TransactionStatus

# Statements that may change rows, and the tables with audit triggers (the name covers incidents_incident
# and its link table incidents_incident_cis).
_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|MERGE|WITH)\b", re.IGNORECASE)
AUDITED_TABLE = "incidents_incident"
SET_ACTOR = "SELECT set_config('servicedesk.actor', %s, true), set_config('servicedesk.context', %s, true)"
MAX_CONTEXT = 500
THROUGH = " through "  # the context's part that says how a request came: "request POST /api/… through API token “Bot”"


@dataclass
class _Scope:
    user: Any  # a user, request.user (lazy), or None
    context: str
    through: str = ""  # not the portal's pages: "API token “Monitoring”"
    tagged: set[str] = field(default_factory=set)  # aliases of connections whose transaction holds our settings

    def actor_id(self) -> str:
        user = self.user
        if user is None or not getattr(user, "is_authenticated", False):
            return ""
        return str(user.pk)


_current: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("servicedesk_actor", default=None)


@contextmanager
def acting_as(user: Any, context: str = "") -> Iterator[None]:
    """Writes in this block are audited as ``user``'s (``None``: nobody) with ``context`` saying where from."""
    scope = _Scope(user=user, context=context[:MAX_CONTEXT])
    token = _current.set(scope)
    installed = [connection for connection in connections.all() if _tag_writes not in connection.execute_wrappers]
    for connection in installed:
        connection.execute_wrappers.append(_tag_writes)
    try:
        yield
    finally:
        for connection in installed:
            connection.execute_wrappers.remove(_tag_writes)
        _current.reset(token)
        outer = _current.get()
        if outer is not None:
            outer.tagged |= scope.tagged  # the outer scope sets its own values before its next write
        else:
            for alias in scope.tagged:
                _clear(alias)


def acting_in(context: str) -> None:
    """Say where the current scope's writes come from, once it is known (a request's route, after resolving)."""
    scope = _current.get()
    if scope is not None:
        scope.context = context[:MAX_CONTEXT]


def acting_for(user: Any, through: str) -> None:
    """The request's user is known only now (the API authenticates in the view, by token): its writes are
    audited as ``user``'s, ``through`` saying how it came (the journal shows it, the audit's context holds it)."""
    scope = _current.get()
    if scope is not None:
        scope.user = user
        scope.through = through[:MAX_CONTEXT]
        scope.context = f"{scope.context}{THROUGH}{through}"[:MAX_CONTEXT]


def acting_through() -> str:
    """How the current writes came, when not through the portal's pages ("" for a page, a task or a command)."""
    scope = _current.get()
    return scope.through if scope is not None else ""


# --- Celery: one scope per task, opened and closed by the task_prerun / task_postrun signals -------------

_tasks: dict[str, AbstractContextManager[None]] = {}


def task_started(task_id: str, name: str) -> None:
    scope = acting_as(None, f"task {name}")
    scope.__enter__()
    _tasks[task_id] = scope


def task_finished(task_id: str) -> None:
    scope = _tasks.pop(task_id, None)
    if scope is not None:
        scope.__exit__(None, None, None)


# --- the execute wrapper ---------------------------------------------------------------------------------


def _audited_write(sql: Any) -> bool:
    text = str(sql)
    return _WRITE.match(text) is not None and AUDITED_TABLE in text.lower()


def _tag_writes(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]) -> Any:
    scope = _current.get()
    connection = context["connection"]
    if scope is None or connection.needs_rollback or not _audited_write(sql):
        return execute(sql, params, many, context)
    values = [scope.actor_id(), scope.context]
    if connection.get_autocommit():
        # A transaction-local setting would end before the write: run both in one transaction.
        with transaction.atomic(using=connection.alias):
            _set(context["cursor"], values)
            return execute(sql, params, many, context)
    _set(context["cursor"], values)
    scope.tagged.add(connection.alias)
    return execute(sql, params, many, context)


def _set(cursor: Any, values: list[str]) -> None:
    with cursor.db.wrap_database_errors:
        cursor.cursor.execute(SET_ACTOR, values)


def _clear(alias: str) -> None:
    connection = connections[alias]
    raw = connection.connection
    if raw is None or raw.closed or raw.info.transaction_status != TransactionStatus.INTRANS:
        return  # the transaction ended (and took the settings with it), or failed and will write nothing more
    with connection.wrap_database_errors, raw.cursor() as cursor:
        cursor.execute(SET_ACTOR, ["", ""])
