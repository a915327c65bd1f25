"""The one module the GUI takes Qt from (as Anki's aqt/qt): versions and work-arounds live here."""

from __future__ import annotations

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
)  # fmt: skip

try:  # QtMultimedia needs the PulseAudio client library; without it the booth stays silent
    from PySide6.QtMultimedia import QSoundEffect  # noqa: F401
except ImportError:  # pragma: no cover - depends on the machine
    QSoundEffect = None  # type: ignore[assignment,misc]
