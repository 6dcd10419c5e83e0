"""Write-audit-publish of the checked mart: published file, versions, serving copy for
Superset, atomic swaps, retention, rollback.

`publish(paths, run_id=..., checks=[...])`, `rollback(paths)`, `list_versions(paths)`; the Dagster asset
`published/sozialmonitor` is built by `orchestration.publish.assets.build_publish_asset`.
"""

from .core import *  # noqa: F403  (the package API is core.__all__)
from .core import __all__  # noqa: F401
