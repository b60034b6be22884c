"""Notebooks as collaborative models: one model per notebook file (keyed by a file id that
survives renames), loaded from and saved to the Jupyter ContentsManager, with on-disk changes
merged cell by cell, plus a per-notebook activity and chat room. See ``CONTRACT.md``."""
