"""The permit card, drawn once: typesetting, the ID-1 layout, and its renderers.

    booth/card/
    ├── typeset.py   script runs (Khmer, Thai, Latin), the bundled fonts, line metrics,
    │                shrink / wrap / ellipsis fitting (Typesetter), PdfPen (fpdf2 + HarfBuzz)
    ├── qr.py        the permit QR: make_qr, qr_png (alphanumeric, ECC level Q, no boost)
    ├── layout.py    the card's face in millimetres: CardContent -> card_layout -> CardLayout
    ├── pdf.py       the printed card: card_pdf (fpdf2)
    └── raster.py    the card in pixels for the simulated camera: RasterPen, draw_face (Pillow)

Errors are ``booth.errors.CardError``. Used by the booth (report PDF, simulated camera) and
by the HQ (printing permits), so it imports only ``booth.assets``, ``booth.errors``,
``sync.protocol`` and third-party libraries; fpdf2 and Pillow only when drawing. No Qt.
"""
