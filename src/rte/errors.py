"""The project's exception types.

Each also subclasses the built-in a caller would catch without knowing rte
(``ValueError``, ``ImportError``), the way scikit-learn's ``NotFittedError`` does.
"""

from __future__ import annotations

__all__ = [
    "AccessError",
    "BackendImportError",
    "MethodFailedError",
    "ModelFileError",
    "NotFittedError",
    "OutputFileError",
    "RTEError",
    "ValidationError",
]


class RTEError(Exception):
    """Base class of every error rte raises on purpose."""


class ValidationError(RTEError, ValueError):
    """An input does not have the shape, type or values that were expected."""


class NotFittedError(RTEError, ValueError, AttributeError):
    """A method was used before ``fit``."""


class ModelFileError(RTEError, ValueError):
    """A saved model is missing a part, corrupt, tampered with or from a newer format."""


class OutputFileError(RTEError, OSError):
    """An output file cannot be written: no permission, a directory in the way, a full disk."""


class BackendImportError(RTEError, ImportError):
    """An optional backend (transformers, peft, gguf) is not installed."""


class MethodFailedError(RTEError, ArithmeticError):
    """A method failed numerically on the data it was given: its training diverged or its
    predictions are not finite. A benchmark records the failure for that episode and runs
    the other methods and episodes on; a bug (any other error) still stops it.
    """


class AccessError(RTEError):
    """A method read a field of a task or bank that its access codes (``sees``) do not allow.

    Not a ValueError or AttributeError on purpose: nothing should catch it by accident.
    """
