"""The ``klantreis`` command: a thin layer over the package's functions.

Each subcommand lives in ``klantreis.commands.<name>`` with ``add_arguments(parser)``
and ``run(args) -> int``; heavy imports happen inside ``run`` so ``--help`` stays fast.
User mistakes (``KlantreisError``) print one clear line and exit non-zero, no traceback;
so do file-system errors (``OSError``: ``klantreis CMD: <file>: <reason>``).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from . import __version__
from .errors import KlantreisError, display_path
from .progress import set_quiet

# name -> one-line help; order is the order shown in --help
COMMANDS = {
    "init": "maak een nieuwe studiemap met de standaardconfiguratie",
    "check": "controleer de studiemap: YAML, transcripten, respondententabel",
    "import-transcripts": "lees de transcripten en toon sprekers, rollen en segmenten",
    "anonymize": "anonimiseer ruwe transcripten, of controleer geanonimiseerde (--check)",
    "code": "laad coderingen en maak codeersuggesties",
    "topics": "stel nieuwe codes voor met BERTopic",
    "agreement": "intercoderbetrouwbaarheid (kappa, alpha) en verschillen",
    "export": "exporteer naar REFI-QDA (.qdpx/.qdc) of Excel",
    "import": "importeer een REFI-QDA-bestand (.qdpx/.qde/.qdc) in een studie",
    "personas": "bepaal persona's uit de coderingen",
    "heartbeat": "bereken en teken de heartbeat per persona",
    "poster": "maak klantreisposters (A3/A2) per persona",
    "report": "maak het Word-rapport",
    "run": "voer alle stappen uit: van transcripten tot rapport",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="klantreis",
        description="Klantreisonderzoek: van transcript tot rapport, offline en in het Nederlands.",
    )
    parser.add_argument("--version", action="version", version=f"klantreis {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="geen voortgang tonen")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO")
    for name, help_text in COMMANDS.items():
        module = _command_module(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="geen voortgang tonen")
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


# CLI names that are not valid module names
_MODULE_NAMES = {"import": "import_qda"}


def _command_module(name: str):
    module = _MODULE_NAMES.get(name, name.replace("-", "_"))
    try:
        return importlib.import_module(f"klantreis.commands.{module}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("klantreis.commands"):
            return None  # command not built yet
        raise


OS_ERROR_EXIT = 1


def os_error_message(err: OSError) -> str:
    """``<file>: <reason>`` for an OSError (the reason as the system gives it)."""
    reason = err.strerror or str(err)
    if err.filename is None:
        return reason
    where = _shown(err.filename)
    if err.filename2 is not None:
        where += f" -> {_shown(err.filename2)}"
    return f"{where}: {reason}"


def _shown(name) -> str:
    if isinstance(name, (str, bytes, os.PathLike)):
        return display_path(os.fsdecode(name))
    return str(name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 1
    set_quiet(bool(getattr(args, "quiet", False)))
    # Our own handler first: deduce calls logging.basicConfig(DEBUG) on import, which is a
    # no-op once the root logger has a handler.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args._module.run(args) or 0)
    except KlantreisError as err:
        print(f"klantreis {args.command}: {err}", file=sys.stderr)
        return err.exit_code
    except OSError as err:
        # a file system problem (no such folder, not a folder, no permission, disk full):
        # one line naming the file, like a user error
        print(f"klantreis {args.command}: {os_error_message(err)}", file=sys.stderr)
        return OS_ERROR_EXIT
    except KeyboardInterrupt:
        print("afgebroken", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
