"""The `gwh` command line: the dispatcher (`cli`), one module per command group
(`commands/`) and the console they print with (`console`).

Commands are thin: each parses its arguments and calls the package that does the work.
"""
