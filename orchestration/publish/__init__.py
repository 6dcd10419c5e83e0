"""Write-audit-publish of the checked mart: published file, versions, serving copy for
Superset, atomic swaps, retention, rollback.

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
    ensure_serving_copy,
    list_versions,
    publish,
    read_status,
    rollback,
    table_counts,
)

__all__ = [
    "KEEP_VERSIONS", "STATUS_TABLE", "PublishError", "RollbackError", "Version", "current_version",
    "ensure_serving_copy", "list_versions", "publish", "read_status", "rollback", "table_counts",
]
