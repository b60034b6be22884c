"""Stable notebook ids from ``jupyter_server_fileid``, the file-id service JupyterLab's own
collaboration uses (``CONTRACT.md`` §2).

We run its ``LocalFileIdManager``, which follows a file by its inode, so a rename or move done
outside Jupyter (``mv``, ``os.rename``, ``git mv``) keeps the id, and with it the notebook's
model, activity and chat. Our instance is our own, in ``<jupyter data dir>/convergence/
file_ids.db``, fed the ContentsManager's events as the ``jupyter_server_fileid`` extension
feeds its own: that extension defaults to ``ArbitraryFileIdManager`` (which cannot see moves
outside Jupyter, and whose database schema a ``LocalFileIdManager`` cannot open), and sharing
it would make every notebook's id depend on another extension's settings; a change there would
silently give every notebook a new, empty model.

Why the calls run on the event loop: the service keeps one ``sqlite3`` connection that may only
be used from the thread that opened it, and the ContentsManager's event listeners call it on
the loop. Its calls are single-row lookups plus one ``stat``; only ``path_of`` can scan
directories, and only for an id whose recorded path no longer holds that file. Starting it
indexes the directories under the root once, at server start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server_fileid.manager import BaseFileIdManager, LocalFileIdManager

log = logging.getLogger(__name__)

CONTENTS_SCHEMA = "https://events.jupyter.org/jupyter_server/contents_service/v1"


def default_db_path() -> Path:
    return Path(jupyter_data_dir()) / "convergence" / "file_ids.db"


def own_service(serverapp: Any, db_path: Path | None = None) -> BaseFileIdManager:
    """A ``LocalFileIdManager`` for the server's root that follows its ContentsManager."""
    path = db_path or default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    service = LocalFileIdManager(log=log, root_dir=serverapp.root_dir, db_path=str(path))
    handlers = service.get_handlers_by_action()

    async def follow(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        handler = handlers.get(data.get("action", ""))
        if handler is not None:
            try:
                handler(data)
            except Exception:
                log.exception("file ids: could not record contents event %r", data)

    if serverapp.event_logger is not None:
        serverapp.event_logger.add_listener(schema_id=CONTENTS_SCHEMA, listener=follow)
    log.info("file ids: %s for %s in %s", type(service).__name__, serverapp.root_dir, path)
    return service


class FileIds:
    """Contents path <-> file id, through the service ``provider`` starts, at once: starting
    it indexes the directories under the root, which belongs to the server's start-up, not
    to the first notebook session's request."""

    def __init__(self, provider: Callable[[], BaseFileIdManager]) -> None:
        self.service = provider()

    def index(self, path: str) -> str | None:
        """The id of the file at ``path``, created if it has none; None if there is no file."""
        return self.service.index(path)

    def get(self, path: str) -> str | None:
        """The id of the file at ``path`` if it has one (never creates)."""
        return self.service.get_id(path)

    def path_of(self, file_id: str) -> str | None:
        """Where the file is now (following moves the service can see), or None if gone."""
        return self.service.get_path(file_id)

    def close(self) -> None:
        """Commit and close the service's database here, on the loop's thread.

        ``LocalFileIdManager.__del__`` would otherwise do it from whichever thread the garbage
        collector runs on, where ``sqlite3`` refuses a connection opened on another thread
        (an "Exception ignored" at every server stop). Idempotent.
        """
        connection = getattr(self.service, "con", None)
        if connection is None:
            return
        connection.commit()
        connection.close()
        del self.service.con
