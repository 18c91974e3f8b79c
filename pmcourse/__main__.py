"""``python -m pmcourse`` runs the command line."""

from pmcourse.cli import main

main(prog_name="pmcourse")
