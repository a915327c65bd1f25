"""The one module the GUI takes Qt from (as Anki's aqt/qt): versions and work-arounds live here."""

from __future__ import annotations

import linecache
import sys
from types import ModuleType

from PySide6.QtCore import (  # noqa: F401
    QCoreApplication,
    QDate,
    QEvent,
    QLocale,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    QThread,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (  # noqa: F401
    QAction,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QRawFont,
    QShortcut,
)
from PySide6.QtWidgets import (  # noqa: F401
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QStatusBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

try:  # QtMultimedia needs the PulseAudio client library; without it the booth stays silent
    from PySide6.QtMultimedia import QSoundEffect
except ImportError:  # pragma: no cover - depends on the machine
    QSoundEffect = None  # type: ignore[assignment,misc]


def _keep_module_sources_out_of_linecache() -> None:
    """PySide6's import hook (``shibokensupport.feature``, PYSIDE-2029) reads the source of every
    Python module imported after PySide6 with ``inspect.getsource`` to see whether it mentions
    "PySide6", and ``inspect`` reads through ``linecache``, which keeps every line it read: for
    the booth ~200,000 lines, ~16 MB, for as long as it runs. Wrap the check so that it leaves
    ``linecache`` as it found it (a traceback reads a file again when it needs it)."""
    feature = sys.modules.get("shibokensupport.feature")
    check = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(check) or getattr(check, "booth_wrapped", False):
        return  # another PySide6, or done already

    def uses_pyside(module: ModuleType) -> bool:
        before = set(linecache.cache)
        try:
            return bool(check(module))
        finally:
            for name in linecache.cache.keys() - before:
                linecache.cache.pop(name, None)

    uses_pyside.booth_wrapped = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside
    linecache.clearcache()  # what the hook read for the modules imported before PySide6


_keep_module_sources_out_of_linecache()
