"""The pieces of the ``convergence-jupyter`` command line beyond its direct database commands:
exit codes, output for people and scripts, REST commands generated from the API's registry,
API keys minted on the database, and domain export/import. ``cli.py`` wires them in."""
