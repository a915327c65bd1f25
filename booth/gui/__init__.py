"""The booth's PySide6 GUI: a thin shell over booth.service. Only this package imports Qt."""
