"""Shift reports and signed exports (CSV, JSON, PDF). Imports no Qt.

- ``model``: what a report covers (``ReportFilter``) and its figures (``Report``).
- ``exporters``: CSV and JSON, streamed; reading them back.
- ``pdf``: the printable report (fpdf2 + HarfBuzz, the bundled Noto fonts).
- ``signature``: the detached ``.sig`` (COSE_Sign1 by the booth key) and its check.
- ``export``: one export, atomically, with its signature.
- ``files``: temporary files, fsync and rename; one clear error for a full or missing folder.
"""

from booth.report.files import ExportCancelled, ExportError
from booth.report.model import Report, ReportFilter, build_report, day_filter, period, zone
from booth.report.signature import FORMATS, ExportInvalid, Manifest, signature_path

__all__ = [
    "FORMATS",
    "ExportCancelled",
    "ExportError",
    "ExportInvalid",
    "Manifest",
    "Report",
    "ReportFilter",
    "build_report",
    "day_filter",
    "period",
    "signature_path",
    "zone",
]
