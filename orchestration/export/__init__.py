"""Open-data export of the published mart (`sozialmonitor export`)."""

from orchestration.export.core import CSV_FORMAT, ExportFehler, export_open_data

__all__ = ["CSV_FORMAT", "ExportFehler", "export_open_data"]
