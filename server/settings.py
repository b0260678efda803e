"""Settings from the environment, with safe defaults (SQLite file, offline engine, loopback)."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _on(value: str | None) -> bool:
    """A switch that is on unless set to 0, false or no."""
    return (value if value is not None else "1").strip() not in ("0", "false", "no")


class EchoCancel(enum.StrEnum):
    """Which calls get the echo canceller (media.echo_cancel): browsers cancel their own echo,
    so by default only phone calls."""

    OFF = "off"
    PHONE = "phone"
    ALL = "all"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///frontdesk.db"
    engine: str = "offline"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8080
    ice_hosts: tuple[str, ...] = ()
    stun_servers: tuple[str, ...] = ()
    web_dir: Path = ROOT / "web"
    recordings_dir: Path = Path("var/recordings")
    recording_retention_days: float = 30.0  # older recordings are deleted; 0 = keep forever
    public_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from_number: str = ""  # caller id for outbound calls (scheduled callbacks)
    twilio_api_url: str = ""  # override api.twilio.com (a local stand-in in tests/bench)
    # department key -> number to dial on transfer; unlisted ones dial the hotel + extension
    twilio_department_numbers: tuple[tuple[str, str], ...] = ()
    openai_api_key: str = field(default="", repr=False)
    openai_realtime_model: str = "gpt-realtime"
    openai_voice: str = "marin"
    openai_websocket_base_url: str = ""  # e.g. a proxy, or a local test server (ws://…/v1)
    openai_base_url: str = ""  # the HTTP APIs (transcription, speech, chat); "" = the SDK default
    openai_transcribe_model: str = "gpt-4o-mini-transcribe"
    openai_tts_model: str = "gpt-4o-mini-tts"
    openai_chat_model: str = "gpt-4.1-mini"
    openai_reconnect_attempts: int = 4  # consecutive failed (re)connects before failing over
    max_ws_message_bytes: int = 256 * 1024
    vad: str = "silero"
    echo_cancel: EchoCancel = EchoCancel.PHONE
    stt_workers: int = 0  # 0: one per core (server.engines.resources.default_stt_workers)
    stt_warm: bool = True  # start recognizer workers with the server, not on the first call
    stt_phone_adapted: bool = True  # phone calls: the recognizer adapted to the phone band
    record_calls: bool = True
    # Server processes sharing the port (SO_REUSEPORT); 1 keeps everything in one process.
    # With more, each process sees only its own live calls (docs/twilio.md, "Workers").
    workers: int = 1
    worker_index: int = 0  # set by `frontdesk serve` for each process it starts

    @property
    def voice_notes_dir(self) -> Path:
        """Guests' messages for staff (`record_voice_note`), beside the call recordings."""
        return self.recordings_dir.parent / "voice_notes"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        return cls(
            database_url=e.get("DATABASE_URL", cls.database_url),
            engine=e.get("FRONTDESK_ENGINE", cls.engine).strip().lower(),
            log_level=e.get("FRONTDESK_LOG_LEVEL", cls.log_level).upper(),
            host=e.get("FRONTDESK_HOST", cls.host),
            port=int(e.get("FRONTDESK_PORT", cls.port)),
            ice_hosts=_split(e.get("FRONTDESK_ICE_HOSTS")),
            stun_servers=_split(e.get("FRONTDESK_STUN_SERVERS")),
            recordings_dir=Path(e.get("FRONTDESK_RECORDINGS_DIR", str(cls.recordings_dir))),
            recording_retention_days=float(e.get("FRONTDESK_RECORDING_RETENTION_DAYS",
                                                 cls.recording_retention_days)),
            public_url=e.get("FRONTDESK_PUBLIC_URL", "").rstrip("/"),
            twilio_account_sid=e.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=e.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=e.get("TWILIO_FROM_NUMBER", ""),
            twilio_api_url=e.get("TWILIO_API_URL", "").rstrip("/"),
            twilio_department_numbers=tuple(
                (k.strip(), v.strip()) for k, _, v in
                (p.partition("=") for p in _split(e.get("TWILIO_DEPARTMENT_NUMBERS"))) if v),
            openai_api_key=e.get("OPENAI_API_KEY", ""),
            openai_realtime_model=e.get("OPENAI_REALTIME_MODEL", cls.openai_realtime_model),
            openai_voice=e.get("OPENAI_VOICE", cls.openai_voice),
            openai_websocket_base_url=e.get("OPENAI_WEBSOCKET_BASE_URL", ""),
            openai_base_url=e.get("OPENAI_BASE_URL", ""),
            openai_transcribe_model=e.get("OPENAI_TRANSCRIBE_MODEL",
                                          cls.openai_transcribe_model),
            openai_tts_model=e.get("OPENAI_TTS_MODEL", cls.openai_tts_model),
            openai_chat_model=e.get("OPENAI_CHAT_MODEL", cls.openai_chat_model),
            openai_reconnect_attempts=int(e.get("OPENAI_RECONNECT_ATTEMPTS",
                                                cls.openai_reconnect_attempts)),
            vad=e.get("FRONTDESK_VAD", cls.vad).strip().lower(),
            echo_cancel=EchoCancel(e.get("FRONTDESK_ECHO_CANCEL", cls.echo_cancel).strip().lower()),
            stt_workers=int(e.get("FRONTDESK_STT_WORKERS", "0") or 0),
            stt_warm=_on(e.get("FRONTDESK_STT_WARM")),
            stt_phone_adapted=_on(e.get("FRONTDESK_STT_PHONE_ADAPTED")),
            record_calls=_on(e.get("FRONTDESK_RECORD_CALLS")),
            workers=max(1, int(e.get("FRONTDESK_WORKERS", "1") or 1)),
            worker_index=int(e.get("FRONTDESK_WORKER_INDEX", "0") or 0),
        )

    def describe(self) -> dict[str, object]:
        """Settings safe to log: no secrets, and the database URL without its password."""
        return {
            "database": redact_url(self.database_url),
            "engine": self.engine,
            "ice_hosts": list(self.ice_hosts) or "all interfaces",
            "echo_cancel": self.echo_cancel.value,
            "stt_phone_adapted": self.stt_phone_adapted,
            "twilio": bool(self.twilio_auth_token),
            "openai": bool(self.openai_api_key),
            "openai_realtime_model": self.openai_realtime_model,
            "openai_websocket_base_url": redact_url(self.openai_websocket_base_url) or "default",
        }


def redact_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
