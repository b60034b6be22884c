"""Export a whole domain to one file and import it into an empty database.

The file is JSON Lines (gzip-compressed when its name ends in ``.gz``): a header with the
domain's settings and the number of records per section, the records (users with password
hashes, groups, JWT keys, collections, models with their snapshot, version, permissions and
operation history, activities, chats with members and event history, permission grants,
notebook ids), and a trailer that proves the file is complete. The rows themselves are read
and written by :mod:`convergence_jupyter.store.domain_archive`; this package owns the file,
streaming and progress.
"""

from .archive import FORMAT, VERSION, ArchiveFormatError, ArchiveSummary
from .exporter import export_domain
from .importer import import_domain
from .progress import NullProgress, Progress, RichProgress

__all__ = [
    "FORMAT",
    "VERSION",
    "ArchiveFormatError",
    "ArchiveSummary",
    "NullProgress",
    "Progress",
    "RichProgress",
    "export_domain",
    "import_domain",
]
