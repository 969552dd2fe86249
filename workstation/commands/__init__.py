"""Subcommands of ``riskws``: one module per command, each with ``register(subparsers)``.

See workstation/cli.py for the convention and COMMAND_MODULES for the list.
"""
