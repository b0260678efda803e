"""Keep the API key out of the logs: the websockets library logs every handshake header at
debug level, the `Authorization: Bearer …` one included, so that value is redacted."""

from __future__ import annotations

import logging

_SECRET_HEADERS = frozenset({"authorization", "openai-organization", "openai-project",
                             "api-key"})


class RedactHeaders(logging.Filter):
    """Rewrites `"> %s: %s"` header records whose name is a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if (isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str)
                and args[0].lower() in _SECRET_HEADERS):
            record.args = (args[0], "***")
        return True


_FILTER = RedactHeaders()


def install_redaction() -> None:
    """Idempotent: add the filter to the websockets client's logger."""
    logger = logging.getLogger("websockets.client")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
