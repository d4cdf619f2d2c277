"""Background work of sharing: produce queued bulk exports. The API starts this after the response of
the request that queued one; run it from cron as well, so an export queued while the server stopped is
still produced:

    * * * * *  cd /srv/shuzheng && .venv/bin/shuzheng sharing exports-run
"""

from __future__ import annotations

from shuzheng.db import Database
from shuzheng.sharing import service


def run_queued(db: Database) -> list[int]:
    """Each export in its own transaction (a failure marks that export failed and goes on)."""
    with db.unit_of_work() as session:
        pending = service.queued_exports(session)
    for export_id in pending:
        with db.unit_of_work() as session:
            service.run_export(session, export_id)
    return pending
