"""The `ivr` command line: one module per command group in this package.

Each module in ``ivr/cli/`` that defines a click command or group named
``command`` is added to ``ivr`` automatically, so features stay in their own
files.
"""

import importlib
import pkgutil

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Tianjin 88908890 citizen hotline: voice service and case back office."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            main.add_command(command)


_register_commands()
