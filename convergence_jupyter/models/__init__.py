"""The real-time model service: open/close/create/delete, operations with server concurrency
control, references, permissions, history, resync and queries."""
