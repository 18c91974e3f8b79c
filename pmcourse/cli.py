"""The ``pmcourse`` command line: one click group, subcommands loaded on first use.

Subcommand groups live beside the code they drive (``pmcourse.scenarios.export``,
``pmcourse.cohort.cli``) so that ``pmcourse --help`` stays fast and imports nothing heavy.
"""

from __future__ import annotations

import importlib

import click

from pmcourse._version import __version__
from pmcourse.versions import versions_text

# name -> "module:attribute" of a click command or group
LAZY_COMMANDS = {
    "data": ("pmcourse.scenarios.export:data", "Export scenario data and its data dictionary."),
    "cohort": ("pmcourse.cohort.cli:cohort", "Instructor workflow: prepare, grade, report."),
    "scenario": (
        "pmcourse.scenarios.authoring:scenario",
        "Write a scenario of your own (new) and check that it is fair (check).",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            target, _ = LAZY_COMMANDS[cmd_name]
            module_name, attr = target.split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # list lazy commands from their one-line help without importing them
        rows = [(name, LAZY_COMMANDS[name][1]) for name in sorted(LAZY_COMMANDS)]
        rows += [
            (name, cmd.get_short_help_str())
            for name, cmd in sorted(self.commands.items())
            if name not in LAZY_COMMANDS
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="pmcourse")
def main() -> None:
    """pmcourse: failure archaeology for AI product managers.

    Learners open the course with `make lab`. Course authors export data with `pmcourse data`;
    instructors run cohorts with `pmcourse cohort`.
    """


@main.command("versions")
def versions_command() -> None:
    """Print the versions of pmcourse and the libraries it runs on."""
    click.echo(versions_text())


if __name__ == "__main__":  # pragma: no cover
    main()
