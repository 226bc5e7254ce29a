"""Reference data read with importlib.resources (e.g. ``lpr.csv``)."""
