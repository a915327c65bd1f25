"""Shift reports and signed exports (CSV, JSON, PDF). Imports no Qt.

- ``model``: what a report covers (``ReportFilter``) and its figures (``Report``).
- ``csv_json``: CSV and JSON, streamed (reading them back is the wire core's: ``sync.protocol.export_rows``).
- ``pdf``: the printable report (fpdf2 + HarfBuzz, the bundled Noto fonts).
- ``signature``: the detached ``.sig`` (``sync.protocol.export_signature``) in the booth's words.
- ``signed_export``: one export, atomically, with its signature.
- ``staging``: the files of an export land together or not at all; one clear error for a full or
  missing folder.
"""

from booth.report.model import Report, ReportFilter, build_report, day_filter, period, zone
from booth.report.signature import FORMATS, ExportInvalid, Manifest, signature_path
from booth.report.staging import ExportCancelled, ExportError

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
