"""The offline engine's dialogue manager: recognizer text in, agent text (and tool calls) out.

See docs/dialogue.md.
"""

from server.dialogue.manager import DialogueManager
from server.dialogue.reply import Outcome, Reply

__all__ = ["DialogueManager", "Outcome", "Reply"]
