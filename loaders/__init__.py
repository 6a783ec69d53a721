"""genomics-warehouse loaders: the Python package behind the `gwh` command.

Everything the DAGs do is a call into this package, so that every step can be run,
tested and debugged without Airflow.
"""

__version__ = "0.1.0"
