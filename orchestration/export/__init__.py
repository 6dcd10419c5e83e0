"""Open-data export of the published mart (`sozialmonitor export`)."""

from orchestration.export.core import CSV_FORMAT, ExportFehler, VERBOTENE_SPALTEN, export_open_data

__all__ = ["CSV_FORMAT", "ExportFehler", "VERBOTENE_SPALTEN", "export_open_data"]
