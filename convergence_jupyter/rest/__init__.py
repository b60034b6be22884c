"""REST endpoints of the extension (Jupyter-authenticated)."""
