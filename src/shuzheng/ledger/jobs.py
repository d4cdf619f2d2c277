"""Background work: signing a tree head on a schedule.

Run from cron every five minutes (the log's maximum merge delay is then five minutes):

    */5 * * * *  cd /srv/shuzheng && .venv/bin/shuzheng ledger sth

or as a long-running process: `shuzheng ledger sth --every 300`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shuzheng.db import Database
from shuzheng.ledger import service

log = logging.getLogger("shuzheng.ledger")


def sign_tree_head(db: Database) -> tuple[int, bytes]:
    """Produce (or find) the signed tree head for the current size, in its own transaction."""
    with db.unit_of_work() as session:
        head = service.produce_tree_head(session)
        result = (head.tree_size, head.root_hash)
    log.info("signed tree head", extra={"tree_size": result[0], "root_hash": result[1].hex()})
    return result


def sign_tree_heads_every(
    db: Database,
    seconds: float,
    stop: threading.Event | None = None,
    on_head: Callable[[int, bytes], None] | None = None,
) -> None:
    """Sign a tree head now and then every `seconds` until `stop` is set. A failed round is logged and
    retried at the next tick rather than ending the loop."""
    stop = stop or threading.Event()
    while True:
        try:
            size, root = sign_tree_head(db)
            if on_head is not None:
                on_head(size, root)
        except Exception:
            log.exception("signing the tree head failed; retrying at the next interval")
        if stop.wait(seconds):
            return
