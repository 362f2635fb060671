"""`agentdesk login`, `logout` and `profiles`: accounts, tokens (keyring only) and profiles."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from agentdesk import profiles, secrets
from agentdesk.cli.errors import UserError
from agentdesk.domain.text import one_line
from agentdesk.profiles import Profile, ProfileError


def register(subparsers: argparse._SubParsersAction) -> None:
    login = subparsers.add_parser("login", help="log in to a server and remember the profile")
    login.add_argument("--server", required=True, help="server URL, e.g. https://desk.example")
    login.add_argument(
        "--email", "--user", required=True, help="your agent email (Request Tracker: user name)"
    )
    secret = login.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    secret.add_argument(
        "--token-stdin", action="store_true", help="read an existing API token from stdin"
    )
    login.add_argument(
        "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    login.add_argument(
        "--backend", default="reference", choices=profiles.BACKEND_KINDS, help="helpdesk kind"
    )
    login.set_defaults(handler=run_login)

    logout = subparsers.add_parser("logout", help="forget the token (and the cache if synced)")
    logout.set_defaults(handler=run_logout)

    listing = subparsers.add_parser("profiles", help="list the profiles")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_profiles)


def load_profiles() -> profiles.ProfileSet:
    try:
        return profiles.load()
    except ProfileError as exc:
        raise UserError(str(exc)) from exc


def resolve_profile(name: str | None) -> Profile:
    """The profile named by --profile, else the active one; UserError if there is none."""
    profile_set = load_profiles()
    profile = profile_set.resolve(name)
    if profile is None:
        if name:
            raise UserError(f"no profile {name!r}: run agentdesk --profile {name} login ...")
        raise UserError("no profile yet: run agentdesk login --server URL --email EMAIL")
    return profile


def _read_secret(args: argparse.Namespace) -> tuple[str, str]:
    """('password' | 'token', value) from stdin or a no-echo prompt."""
    if args.token_stdin or args.password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        kind = "token" if args.token_stdin else "password"
        if not value:
            raise UserError(f"no {kind} on standard input")
        return kind, value
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask for the password: use --password-stdin")
    value = getpass.getpass(f"Password for {args.email}: ")
    if not value:
        raise UserError("no password given")
    return "password", value


def run_login(args: argparse.Namespace) -> int:
    from agentdesk.sync import connect
    from agentdesk.sync.backend import BackendError

    existing = load_profiles()
    server = args.server.rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise UserError(f"--server must be an http:// or https:// URL, not {server!r}")
    name = args.profile or _profile_for(existing, server, args.email)
    try:
        profiles.check_name(name)
    except ProfileError as exc:
        raise UserError(str(exc)) from exc
    env_token = secrets.token_from_env()
    keyring_ok = secrets.usable_backend() is not None
    if not keyring_ok and env_token is None:
        raise UserError(secrets.NO_KEYRING_HELP)
    verify = not args.insecure
    if not keyring_ok:
        kind, value = "token", env_token or ""
    else:
        kind, value = _read_secret(args)
    try:
        if kind == "password":
            token, agent = asyncio.run(
                connect.login(args.backend, server, args.email, value, verify=verify)
            )
        else:
            token, agent = asyncio.run(
                connect.adopt_token(args.backend, server, args.email, value, verify=verify)
            )
    except BackendError as exc:
        raise UserError(str(exc)) from exc
    except connect.UnknownBackendError as exc:
        raise UserError(str(exc)) from exc
    agent_id = agent.get("id") if isinstance(agent.get("id"), int) else None
    previous = existing.profiles.get(name)
    if previous is not None and (previous.server != server or previous.agent_id != agent_id):
        _retire_cache(previous)
    profile = Profile(
        name=name,
        server=server,
        email=args.email,
        backend=args.backend,
        agent_id=agent_id,
        insecure=args.insecure,
    )
    if keyring_ok:
        try:
            secrets.store_token(name, token)
        except secrets.SecretStoreError as exc:
            raise UserError(str(exc)) from exc
    profiles.upsert(profile)
    who = one_line(str(agent.get("name") or args.email))
    role = one_line(str(agent.get("role") or "agent"))
    print(f"logged in as {who} ({role}) on {one_line(server)}; profile {name}")
    if not keyring_ok:
        print("using AGENTDESK_TOKEN from the environment; nothing was stored")
    if args.insecure:
        print("warning: TLS certificate verification is off for this profile", file=sys.stderr)
    return 0


def _profile_for(existing: profiles.ProfileSet, server: str, email: str) -> str:
    """Without --profile: the profile already used for this server and email, else default."""
    active = existing.profiles.get(existing.active or "")
    if active is not None and (active.server, active.email) == (server, email):
        return active.name
    for profile in existing.profiles.values():
        if (profile.server, profile.email) == (server, email):
            return profile.name
    return profiles.DEFAULT_PROFILE


def _retire_cache(previous: Profile) -> None:
    """The profile now points elsewhere: drop its old cache unless it holds unsynced work."""
    path = previous.cache_path
    if not path.exists():
        return
    pending = _pending_count(previous)
    if pending:
        raise UserError(
            f"profile {previous.name} has {pending} unsynced change(s) for {previous.server}: "
            "run agentdesk sync first, or log in with another --profile"
        )
    _remove_cache_files(previous)


def _pending_count(profile: Profile) -> int:
    from agentdesk.cli.session import open_cache

    with open_cache(profile) as cache:
        return int(cache.pending_count())


def _remove_cache_files(profile: Profile) -> None:
    path = profile.cache_path
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        candidate.unlink(missing_ok=True)


def run_logout(args: argparse.Namespace) -> int:
    from agentdesk.sync import connect
    from agentdesk.sync.backend import BackendError

    profile = resolve_profile(args.profile)
    token = None
    try:
        token = secrets.get_token(profile.name)
    except secrets.SecretStoreError as exc:
        print(f"agentdesk: {exc}", file=sys.stderr)
    if token is not None and secrets.token_from_env() is None:
        try:
            asyncio.run(
                connect.revoke(profile.backend, profile.server, token, verify=not profile.insecure)
            )
        except (BackendError, connect.UnknownBackendError) as exc:
            print(f"agentdesk: could not revoke the token on the server: {exc}", file=sys.stderr)
    try:
        removed = secrets.delete_token(profile.name)
    except secrets.SecretStoreError as exc:
        raise UserError(str(exc)) from exc
    kept = ""
    if profile.cache_path.exists():
        pending = _pending_count(profile)
        if pending:
            kept = f"; kept the local cache: {pending} unsynced change(s) (log in again to send)"
        else:
            _remove_cache_files(profile)
    state = "logged out" if removed else "no stored token"
    print(f"{state} of profile {profile.name}{kept}")
    return 0


def run_profiles(args: argparse.Namespace) -> int:
    profile_set = load_profiles()
    rows: list[dict[str, Any]] = []
    for name in sorted(profile_set.profiles):
        profile = profile_set.profiles[name]
        try:
            logged_in = secrets.get_token(name) is not None
        except secrets.SecretStoreError:
            logged_in = False
        rows.append(
            {
                "name": name,
                "active": name == profile_set.active,
                "backend": profile.backend,
                "server": profile.server,
                "email": profile.email,
                "agent_id": profile.agent_id,
                "insecure": profile.insecure,
                "logged_in": logged_in,
                "cache": str(profile.cache_path),
            }
        )
    if args.json:
        print(json.dumps({"profiles": rows}, indent=2))
        return 0
    if not rows:
        print("no profiles: run agentdesk login --server URL --email EMAIL")
        return 0
    for row in rows:
        mark = "*" if row["active"] else " "
        state = "logged in" if row["logged_in"] else "logged out"
        print(
            f"{mark} {row['name']}  {one_line(row['email'])}  {one_line(row['server'])}  "
            f"[{row['backend']}, {state}]"
        )
    return 0
