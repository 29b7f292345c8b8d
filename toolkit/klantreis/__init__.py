"""klantreis: customer-journey research from transcripts to report, offline and Dutch first.

    >>> from klantreis import Study
    >>> study = Study.load(".")
"""
__version__ = "0.1.0"

from .errors import KlantreisError  # noqa: E402
from .study import Study, copy_study, init_study  # noqa: E402

__all__ = ["Study", "init_study", "copy_study", "KlantreisError", "__version__"]
