"""Authentication: passwords, JWT, anonymous, reconnect tokens and the Jupyter login bridge."""
