"""Model web hooks (issue 9): outbound init and save calls per collection.

* ``allow_list``: where requests may go (the SSRF guard), checked at configuration and at
  every connection.
* ``signing``: the ``X-Convergence-Signature`` HMAC a receiver verifies.
* ``payloads``: the JSON bodies and the init answer.
* ``delivery``: one signed POST (tornado's async client) and the retry backoff.
* ``lifecycle``: the model service's observer: init, debounced saves, shutdown.
* ``configuration``: creating and changing hooks (used by the REST API).
"""
