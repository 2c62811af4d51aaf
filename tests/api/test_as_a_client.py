"""The API called as a real client calls it: schemathesis reads the schema the live portal serves and calls every
operation in it over HTTP, with data drawn from the schema and data that break it, as an operator with a token
that writes and as a support group member. Whatever the schema holds when it runs is tested; nothing here names
an endpoint.

Each answer must be no 5xx, a status code its operation documents, the documented content type and a body that
conforms to the documented schema (problem details for every 4xx: ``servicedesk/api/schema.py``); invalid input
is refused; a resource created is readable where its answer says; and so on: every check of schemathesis but one
(``schemathesis.toml`` says which, and why). The stateful phase follows the schema's links (a read's ETag to the
record's writes) and those schemathesis infers (a list to its records, a creation to its Location).

Schemathesis runs as its own command (``st run``), the way a developer runs it by hand against ``manage.py serve``
(docs/development.md): its pytest loader does not yet work with this pytest.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache

from servicedesk.api.tokens import token_create
from tests.api.seed import seed

pytestmark = pytest.mark.slow

# Bounded for a 2-core CI, whatever the number of operations: each pass runs the phases it names for a fixed time
# (the fuzzing and stateful phases repeat until it is spent), a few examples per operation at a time.
EXAMPLES = 10
# Every check, less one, and what the API rightly answers instead of schemathesis's defaults: schemathesis.toml.
CONFIG = settings.BASE_DIR / "schemathesis.toml"
SEED = 17
PASSES = [
    # The desk writes: every phase, the writes taken through their links from a read's ETag.
    pytest.param("operator", "examples,coverage,fuzzing,stateful", 35, id="operator"),
    # A group member reads and is refused what the desk alone does: the same refusals, fewer cases.
    pytest.param("support_member", "fuzzing,stateful", 18, id="support_member"),
]


@pytest.mark.parametrize(("role", "phases", "seconds"), PASSES)
def test_every_operation_answers_as_its_schema_says(
    role, phases, seconds, request, live_server, operator, support_member, network, vpn, settings
):
    seed(operator=operator, member=support_member, group=network, category=vpn)
    # The budgets per token and per address protect a real desk; here they would only turn the run into a test of
    # 429s (schemathesis also calls without the token, to see each operation refuse it with 401).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100000/minute", "anonymous": "100000/minute"},
    }
    secret = token_create(user=request.getfixturevalue(role), name="Schemathesis", days=1, writes=True)[1]
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
        "run", f"{live_server.url}/api/schema/?format=json",
        "--header", f"Authorization: Bearer {secret}",
        "--phases", phases,
        "--max-time", str(seconds),
        "--max-examples", str(EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--request-timeout", "10",
        "--max-response-time", "5",
        "--no-color",
    ]  # fmt: skip
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    finally:
        # Its thousands of calls without a token spent this address's budget (kept in the cache) for the next
        # minute: a test after it in the same process would be answered 429.
        cache.clear()
    assert run.returncode == 0, run.stdout + run.stderr
