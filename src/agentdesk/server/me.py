"""`GET /v1/me` (the caller's agent) and the admin-only `POST /v1/agents`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from agentdesk.domain.enums import Role
from agentdesk.domain.models import Agent
from agentdesk.server.accounts import MIN_PASSWORD_LENGTH, AccountError, create_agent
from agentdesk.server.auth import CurrentCaller, require_role
from agentdesk.server.inputs import Email, Name
from agentdesk.server.permissions import Caller
from agentdesk.server.problems import Problem, responses
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.wire import json_response, table_of

AGENTS = table_of(Agent)

router = APIRouter(prefix="/v1", tags=["agents"])


class NewAgent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name
    role: Role = Role.AGENT
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    groups: list[Name] = Field(default_factory=list, max_length=50)
    skills: list[Name] = Field(default_factory=list, max_length=50)


def _agent(state: ServerState, agent_id: int) -> dict[str, object]:
    with state.engine.connect() as conn:
        row = conn.execute(select(AGENTS).where(AGENTS.c.id == agent_id)).first()
    if row is None:
        raise Problem(404, f"agent {agent_id} not found")
    return dict(row._mapping)


@router.get("/me", response_model=Agent, responses=responses(), summary="The caller's agent")
def me(caller: CurrentCaller, state: ServerState = Depends(server_state)) -> Response:
    return json_response(_agent(state, caller.agent_id))


@router.post(
    "/agents",
    status_code=201,
    response_model=Agent,
    responses=responses(409),
    summary="Create an agent (admins only); named groups are created if missing",
)
def add_agent(
    body: NewAgent,
    caller: Caller = require_role(Role.ADMIN),
    state: ServerState = Depends(server_state),
) -> Response:
    try:
        created = create_agent(
            state.engine,
            email=body.email,
            name=body.name,
            role=body.role,
            password=body.password,
            groups=body.groups,
            skills=body.skills,
        )
    except AccountError as exc:
        status = 409 if "already exists" in str(exc) else 422
        raise Problem(status, str(exc)) from None
    return json_response(_agent(state, created.id), status_code=201)
