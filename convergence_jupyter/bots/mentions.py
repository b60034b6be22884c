"""``@Name ...`` in a chat message: who is addressed and what is asked."""

from __future__ import annotations

import re


def mention_pattern(name: str) -> re.Pattern[str]:
    """Matches ``@Name`` (any case) as a whole word: ``@Reviewer,`` yes, ``@Reviewers`` no."""
    return re.compile(rf"(?<![\w@])@{re.escape(name)}(?![\w-])", re.IGNORECASE)


def mentioned_text(pattern: re.Pattern[str], message: str) -> str | None:
    """The message without the mention (trimmed, leading punctuation dropped), or None when
    the message does not mention the name."""
    found = pattern.search(message)
    if found is None:
        return None
    rest = message[: found.start()] + message[found.end() :]
    return rest.strip().lstrip(",:;").strip()
