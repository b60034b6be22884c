"""One websocket connection = one session: handshake, heartbeat, limits, dispatch, output."""
