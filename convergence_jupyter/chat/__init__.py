"""Chat: rooms (session membership), channels and direct chats (user membership)."""

from convergence_jupyter.chat.service import ChatService

__all__ = ["ChatService"]
