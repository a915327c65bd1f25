"""Scanning: QR decoders and their cascade, debouncing, image files (and, beside them, capture).

Imports no Qt: numpy arrays in, dataclasses out.
"""
