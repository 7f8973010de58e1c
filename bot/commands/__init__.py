"""CLI command groups; each module registers its subcommands on the shared parser."""
