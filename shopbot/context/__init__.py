"""Conversation context: each session's turns, Redis in production, memory by default."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from ..config import Config


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str
    at: float  # epoch seconds

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        role = data["role"]
        if role not in ("user", "assistant"):
            raise ValueError(f"bad role {role!r}")
        return cls(role=role, content=str(data["content"]), at=float(data["at"]))


class ContextStore(Protocol):
    def history(self, session_id: str) -> list[Turn]:
        """Oldest first; [] for an unknown session."""
        ...

    def append(self, session_id: str, turns: list[Turn]) -> None:
        """Add the turns atomically, keep the newest `max_turns`, refresh the TTL."""
        ...

    def delete(self, session_id: str) -> bool:
        """True when the session existed."""
        ...

    def ping(self) -> None:
        """Raise `DependencyUnavailable` when the store cannot answer quickly."""
        ...

    def reconnect(self) -> None:
        """Drop open connections (after a SnapStart restore)."""
        ...


def build_context_store(config: Config) -> ContextStore:
    if config.redis_url:
        from .redis_store import RedisContextStore

        return RedisContextStore.from_config(config)
    from .memory import MemoryContextStore

    return MemoryContextStore(max_turns=config.context_max_turns, ttl_seconds=config.context_ttl_seconds,
                              max_sessions=config.context_max_sessions)
