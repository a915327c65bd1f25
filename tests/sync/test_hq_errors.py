"""Every exception HQ code defines is in the HQ tree (sync.hq.errors), drawn in its docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import sync.hq
from sync.hq import errors
from sync.hq.errors import HQError
from sync.protocol.errors import BatchRefused

CONTROL_FLOW = {"sync.hq.dashboard.web.LoginNeeded"}  # a redirect to the login page, not an error


def _hq_modules() -> list[str]:
    found = (m.name for m in pkgutil.walk_packages(sync.hq.__path__, "sync.hq."))
    return [name for name in found if not name.endswith("__main__")]


def test_every_hq_exception_is_an_hq_error() -> None:
    outside = []
    for name in _hq_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, BaseException):
                continue
            if not issubclass(cls, HQError) and f"{name}.{cls.__name__}" not in CONTROL_FLOW:
                outside.append(f"{name}.{cls.__name__}")
    assert outside == []


def test_the_tree_is_drawn_and_the_store_refusal_is_also_the_wire_one() -> None:
    drawn = errors.__doc__ or ""
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, HQError):
            assert name in drawn, f"{name} is missing from the tree in sync/hq/errors.py"
    assert issubclass(errors.SyncRefused, BatchRefused)
    assert errors.EnrolmentRefused.__name__ != "EnrolRefused"  # the booth's sync.client one is another class
