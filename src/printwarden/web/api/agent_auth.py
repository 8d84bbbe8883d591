"""Agent link: checking a print user's credentials for queues that require authentication."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/agent", tags=["agent link"])
