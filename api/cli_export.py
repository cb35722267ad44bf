"""``planmap export`` (being written)."""

import argparse


def add_parser(sub: "argparse._SubParsersAction") -> None:
    """Register the ``export`` subcommand."""
