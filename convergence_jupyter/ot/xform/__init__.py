"""Transformation functions for same-id operation pairs, one module per value-type family.

Every function takes ``(s, c)``, where ``s`` is the op already applied at the server (it wins
ties) and ``c`` the concurrent one, and returns ``(s', c')``. They reproduce the rc.12 JavaScript
client's functions, because the client transforms the server's ops itself and the server must
agree with it to the letter.
"""
