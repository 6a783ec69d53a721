"""One module per `gwh` command group; each defines `register(subparsers)` (gwh.cli)."""
