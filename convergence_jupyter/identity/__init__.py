"""Identity service: users and groups of a domain, as the client may query them."""
