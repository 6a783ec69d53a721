"""The programme-reporting dashboard (Dash); it reads only the `reporting` schema."""
