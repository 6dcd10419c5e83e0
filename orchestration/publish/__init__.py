"""Write-audit-publish of the checked mart: serving file, atomic swap, retention, rollback.

`publish(paths, run_id=..., checks=[...])`, `rollback(paths)`, `list_versions(paths)`; the Dagster asset
`published/sozialmonitor` is built by `orchestration.publish.assets.build_publish_asset`.
"""

from .core import (
    KEEP_VERSIONS,
    STATUS_TABLE,
    PublishError,
    RollbackError,
    Version,
    current_version,
    list_versions,
    publish,
    read_status,
    rollback,
    table_counts,
)

__all__ = [
    "KEEP_VERSIONS", "STATUS_TABLE", "PublishError", "RollbackError", "Version", "current_version",
    "list_versions", "publish", "read_status", "rollback", "table_counts",
]
