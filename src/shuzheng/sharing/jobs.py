"""Background work of sharing: produce queued bulk exports, and delete the files of finished ones past
their retention period (`SHUZHENG_SHARING_EXPORT_RETENTION_DAYS`). The API starts the first after the
response of the request that queued an export; run both from cron, so an export queued while the server
stopped is still produced and old files go:

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


def purge_expired(db: Database) -> int:
    """Purge old exports; their files are deleted only after the ledger entries are committed."""
    with db.unit_of_work() as session:
        files = service.purge_exports(session)
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)
