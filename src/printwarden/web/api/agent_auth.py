"""Agent link: checking a print user's credentials for queues that require authentication.

    POST /api/v1/agent/authenticate  {username, password}   (agent bearer token)
      200 {user_id, username, roles}  |  401 invalid credentials  |  429 too many failures
                                                                   (Retry-After: seconds)

The agent sends the HTTP Basic credentials an IPP client gave for a queue that
authenticates; the answer's ``username`` then owns the job, and ``roles`` (sorted) tell
whether the user is an IPP operator of the agent's queues (``operator`` or ``admin``).
The throttle of ``authenticate_password`` applies with the source
``agent:AGENT_ID/CLIENT``, CLIENT being the optional ``client_address`` (the IPP client's
address the agent saw): guesses through one agent never slow the sign-ins of another
agent's clients, nor of the web.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from printwarden.web.deps import AgentOnly, Container

router = APIRouter(prefix="/api/v1/agent", tags=["agent link"])


class AgentAuthenticateIn(BaseModel):
    username: str = Field(min_length=1, max_length=256)
    password: str = Field(max_length=1024)
    client_address: str = Field(default="", max_length=100,
                                description="the IPP client's address, for the throttle")


class AgentAuthenticateOut(BaseModel):
    user_id: str
    username: str
    roles: list[str]


@router.post("/authenticate", response_model=AgentAuthenticateOut,
             summary="Check a print user's password for an IPP queue")
def authenticate(body: AgentAuthenticateIn, agent: AgentOnly,
                 container: Container) -> AgentAuthenticateOut:
    source = f"agent:{agent.id}/{body.client_address}"
    user = container.accounts.authenticate_password(body.username, body.password,
                                                    source=source)
    return AgentAuthenticateOut(user_id=user.id, username=user.username,
                                roles=sorted(user.roles))
