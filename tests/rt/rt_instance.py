"""A throwaway Request Tracker 5 instance on 127.0.0.1, for tests and benchmarks.

RT comes from Debian's packages (installed here when missing and the machine allows it:
root with apt-get, and `AGENTDESK_RT_INSTALL` not set to `0`). An instance lives entirely
in one directory: `RT_SiteConfig.pm` (SQLite database, BcryptCost 4, mail swallowed,
logging to stderr), an empty site-config directory (so Debian's snippets in /etc are not
read), the database, Mason's caches and the server's log. Setup:

1. `rt-setup-database-5 --action init` creates the schema and core data;
2. `--action insert` with `seed_data.pl` adds the agents, queues, the `Support Team` group,
   its global rights (REST 2 cannot grant rights), a `Tags` custom field, and disables every
   scrip that composes mail (60-150 ms per write otherwise);
3. auth tokens are created from Perl (`RT::AuthToken`), one per user;
4. `rt-server` (Starlet, two workers, no keep-alive) serves HTTP on a free port.

Tickets are then seeded through REST 2 like any client would (`RTInstance.api`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
RT_LIB = Path("/usr/share/request-tracker5/lib")
SETUP_DATABASE = "rt-setup-database-5"
PACKAGES = ("request-tracker5", "rt5-db-sqlite", "rt5-standalone", "dbconfig-no-thanks")
ROOT_PASSWORD = "rootsecret"

# name -> (password, real name, email); all privileged. alice and bob are in the Support Team
# (every ticket right, globally); dave has no rights at all (RT refuses him as an owner).
AGENTS: dict[str, tuple[str, str, str]] = {
    "alice": ("alicepass1", "Alice Archer", "alice@agentdesk.test"),
    "bob": ("bobpass12", "Bob Baker", "bob@agentdesk.test"),
    "dave": ("davepass1", "Dave Outsider", "dave@agentdesk.test"),
}
QUEUES = ("Support", "Billing")
TAGS_FIELD = "Tags"
AGENT_RIGHTS = (
    "SeeQueue",
    "ShowTicket",
    "CreateTicket",
    "ReplyToTicket",
    "CommentOnTicket",
    "OwnTicket",
    "ModifyTicket",
    "TakeTicket",
    "StealTicket",
    "ShowTicketComments",
    "Watch",
    "WatchAsAdminCc",
    "SeeCustomField",
    "ModifyCustomField",
)

_SITE_CONFIG = """\
Set($rtname, 'agentdesk-test');
Set($Organization, 'agentdesk.test');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{root}/rt.db');
Set($WebPath, '');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($MasonDataDir, '{root}/mason');
Set($MasonSessionDir, '{root}/sessions');
Set($LogToSTDERR, 'warning');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($BcryptCost, 4);
Set($HTMLFormatter, 'core');
Set($MailCommand, sub {{ return 1 }});
Set($CorrespondAddress, 'support@agentdesk.test');
Set($CommentAddress, 'comment@agentdesk.test');
Set($Timezone, 'UTC');
1;
"""

_TOKEN_SCRIPT = """\
use strict; use warnings;
use lib '{lib}';
use RT;
RT::LoadConfig(); RT::Init();
for my $name (@ARGV) {{
  my $user = RT::User->new(RT->SystemUser);
  $user->Load($name) or die "no user $name\\n";
  my $token = RT::AuthToken->new(RT->SystemUser);
  my ($id, $msg, $secret) = $token->Create(Owner => $user->Id, Description => 'agentdesk');
  die "token for $name: $msg\\n" unless $id;
  print "$name $secret\\n";
}}
"""


_BULK_SCRIPT = """\
use strict; use warnings;
use lib '{lib}';
use RT;
use MIME::Entity;
RT::LoadConfig(); RT::Init();
$RT::Handle->dbh->do('PRAGMA synchronous = OFF');  # seeding speed is not what is measured
my ($count, $queue, $agent, $prefix) = @ARGV;
my $user = RT::CurrentUser->new; $user->Load($agent) or die "no user $agent\\n";
sub text {{ MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8', Data => [$_[0]]) }}
$RT::Handle->BeginTransaction;
for my $i (1 .. $count) {{
  my $ticket = RT::Ticket->new($user);
  my ($id, undef, $msg) = $ticket->Create(
    Queue => $queue, Subject => "$prefix ticket $i", Priority => ($i * 7) % 100,
    Requestor => 'customer' . ($i % 200) . '@bulk.test', MIMEObj => text("Customer asks $i"));
  die "create $i: $msg\\n" unless $id;
  $ticket->Correspond(MIMEObj => text("Agent answers $i"));
  $ticket->Comment(MIMEObj => text("Internal note $i"));
  if ($i % 100 == 0) {{ $RT::Handle->Commit; $RT::Handle->BeginTransaction; }}
}}
$RT::Handle->Commit;
print "ok\\n";
"""


_CUSTOMER_REPLY_SCRIPT = """\
use strict; use warnings;
use lib '{lib}';
use RT;
use MIME::Entity;
RT::LoadConfig(); RT::Init();
my ($ticket_id, $email, $text) = @ARGV;
my $user = RT::CurrentUser->new; $user->LoadByEmail($email) or die "no user $email\\n";
my $ticket = RT::Ticket->new($user);
$ticket->Load($ticket_id) or die "no ticket $ticket_id\\n";
my $mime = MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8', Data => [$text]);
my ($txn, $msg) = $ticket->Correspond(MIMEObj => $mime);
die "correspond: $msg\\n" unless $txn;
print "$txn\\n";
"""


class RTUnavailable(RuntimeError):
    """RT is not installed and cannot be installed here, or an instance failed to start."""


def rt_installed() -> bool:
    return RT_SERVER.exists() and shutil.which(SETUP_DATABASE) is not None


def install_allowed() -> str | None:
    """None when this machine may install RT's packages, else the reason it may not."""
    if os.environ.get("AGENTDESK_RT_INSTALL", "1") == "0":
        return "AGENTDESK_RT_INSTALL=0"
    if shutil.which("apt-get") is None:
        return "no apt-get (RT is installed from Debian's packages)"
    if os.geteuid() != 0:
        return "not root (apt-get install needs root)"
    return None


def ensure_rt_installed() -> None:
    """Install RT from Debian's packages when it is missing; RTUnavailable says why not."""
    if rt_installed():
        return
    refused = install_allowed()
    if refused is not None:
        raise RTUnavailable(f"Request Tracker 5 is not installed and cannot be: {refused}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commands = (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES],
    )
    for command in commands:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
            raise RTUnavailable(f"{' '.join(command)} failed ({done.returncode}): {tail}")
    if not rt_installed():
        raise RTUnavailable(f"{RT_SERVER} missing after installing {' '.join(PACKAGES)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_datafile() -> str:
    """The `rt-setup-database --action insert` datafile: users, queues, group, rights."""
    users = ",\n".join(
        f"  {{ Name => '{name}', Password => '{password}', RealName => '{real}', "
        f"EmailAddress => '{email}', Privileged => 1 }}"
        for name, (password, real, email) in AGENTS.items()
    )
    queues = ",\n".join(
        f"  {{ Name => '{name}', Description => '{name} queue', "
        "CorrespondAddress => '', CommentAddress => '' }"
        for name in QUEUES
    )
    rights = " ".join(AGENT_RIGHTS)
    return f"""\
@Users = (
{users}
);
@Queues = (
{queues}
);
@Groups = ( {{ Name => 'Support Team', Description => 'agentdesk agents' }} );
@Members = (
  {{ Group => 'Support Team', Class => 'RT::User', Name => 'alice' }},
  {{ Group => 'Support Team', Class => 'RT::User', Name => 'bob' }},
);
@CustomFields = (
  {{ Name => '{TAGS_FIELD}', Type => 'FreeformMultiple', LookupType => 'RT::Queue-RT::Ticket',
    Queue => 0, Description => 'agentdesk tags' }},
);
@ACL = (
  (map {{ {{ GroupId => 'Support Team', GroupDomain => 'UserDefined', Right => $_ }} }}
    qw({rights})),
  # Customers may answer their own tickets (as mail replies would).
  (map {{ {{ GroupDomain => 'RT::System-Role', GroupType => 'Requestor', Right => $_ }} }}
    qw(ShowTicket ReplyToTicket)),
);
@Final = (sub {{
  my $scrips = RT::Scrips->new(RT->SystemUser);
  $scrips->UnLimit;
  while (my $scrip = $scrips->Next) {{
    $scrip->SetDisabled(1) if ($scrip->ActionObj->Name // '') =~ /Notify|Autoreply|Send/i;
  }}
}});
1;
"""


@dataclass
class RTInstance:
    root: Path
    port: int
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RT_SITE_CONFIG": str(self.root / "RT_SiteConfig.pm"),
            "RT_SITE_CONFIG_DIR": str(self.root / "site-config.d"),
        }

    def password(self, user: str) -> str:
        return ROOT_PASSWORD if user == "root" else AGENTS[user][0]

    # -- lifecycle ---------------------------------------------------------------------------
    def setup(self) -> None:
        """Write the config, create and fill the database, make one token per user."""
        for sub in ("site-config.d", "mason", "sessions"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        config = _SITE_CONFIG.format(root=self.root, port=self.port)
        (self.root / "RT_SiteConfig.pm").write_text(config)
        (self.root / "root-password").write_text(ROOT_PASSWORD)
        (self.root / "seed_data.pl").write_text(seed_datafile())
        password_file = str(self.root / "root-password")
        datafile = str(self.root / "seed_data.pl")
        init = ["--action", "init", "--skip-create", "--root-password-file", password_file]
        self._run([SETUP_DATABASE, *init])
        self._run([SETUP_DATABASE, "--action", "insert", "--skip-create", "--datafile", datafile])
        (self.root / "make_tokens.pl").write_text(_TOKEN_SCRIPT.format(lib=RT_LIB))
        out = self._run(["perl", str(self.root / "make_tokens.pl"), "root", *AGENTS])
        for line in out.splitlines():
            name, _, secret = line.partition(" ")
            if secret:
                self.tokens[name] = secret.strip()

    def _run(self, command: list[str], timeout: float = 300) -> str:
        done = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if done.returncode != 0:
            tail = " | ".join(done.stderr.strip().splitlines()[-3:])
            raise RTUnavailable(f"{command[0]} failed ({done.returncode}): {tail}")
        return done.stdout

    def start(self, timeout: float = 60.0) -> None:
        """Start rt-server and wait until it answers HTTP."""
        if self.running:
            return
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 (the child keeps it)
        command = [str(RT_SERVER), "--server", "Starlet", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--max-workers", "2", "--max-keepalive-reqs", "1"]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RTUnavailable(f"rt-server exited ({code}): {self.log_tail()}")
            try:
                httpx.get(f"{self.url}/REST/2.0/", timeout=2.0)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RTUnavailable(f"rt-server did not answer within {timeout:.0f} s: {self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop rt-server and its workers (its own process group)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        # Wait until the port is free again so a restart on it cannot race the old workers.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.root / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(
            line for line in text.strip().splitlines()[-lines:] if "HTML converter" not in line
        )

    def seed_bulk(self, count: int, *, queue: str = "Support", prefix: str = "Bulk") -> None:
        """`count` tickets, each with a customer message, a reply and a note, straight through
        RT's Perl API (REST 2 would take minutes for thousands): for benchmarks."""
        script = self.root / "seed_bulk.pl"
        script.write_text(_BULK_SCRIPT.format(lib=RT_LIB))
        self._run(["perl", str(script), str(count), queue, "alice", prefix], timeout=3600)

    def customer_reply(self, ticket_id: int, email: str, text: str) -> int:
        """A reply written by the customer (as if it came by mail): a Correspondence by an
        unprivileged user. Returns the transaction id."""
        script = self.root / "customer_reply.pl"
        script.write_text(_CUSTOMER_REPLY_SCRIPT.format(lib=RT_LIB))
        return int(self._run(["perl", str(script), str(ticket_id), email, text]).strip())

    # -- REST 2 as a user ---------------------------------------------------------------------
    def api(self, user: str = "root") -> RTApi:
        return RTApi(self.url, self.tokens[user])


class RTApi:
    """A tiny synchronous REST 2 client for seeding and checking RT from tests."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=f"{url}/REST/2.0",
            headers={"Authorization": f"token {token}", "Accept": "application/json"},
            timeout=60.0,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RTApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise AssertionError(f"RT {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def create_ticket(
        self,
        subject: str,
        requestor: str,
        content: str,
        *,
        queue: str = "Support",
        priority: int | None = None,
        owner: str | None = None,
    ) -> int:
        body: dict[str, Any] = {
            "Queue": queue,
            "Subject": subject,
            "Requestor": requestor,
            "Content": content,
            "ContentType": "text/plain",
        }
        if priority is not None:
            body["Priority"] = priority
        if owner is not None:
            body["Owner"] = owner
        return int(self._ok(self.http.post("/ticket", json=body))["id"])

    def correspond(self, ticket_id: int, content: str) -> int:
        return self._message(ticket_id, "correspond", content)

    def comment(self, ticket_id: int, content: str) -> int:
        return self._message(ticket_id, "comment", content)

    def _message(self, ticket_id: int, kind: str, content: str) -> int:
        response = self.http.post(
            f"/ticket/{ticket_id}/{kind}", json={"Content": content, "ContentType": "text/plain"}
        )
        self._ok(response)
        return int(response.headers["Location"].rsplit("/", 1)[1])

    def update(self, ticket_id: int, **fields: Any) -> list[str]:
        return list(self._ok(self.http.put(f"/ticket/{ticket_id}", json=fields)))

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        return dict(self._ok(self.http.get(f"/ticket/{ticket_id}")))

    def user(self, name: str) -> dict[str, Any]:
        """The user's record, with its numeric `id` even when RT leaves it to `_hyperlinks`."""
        record = dict(self._ok(self.http.get(f"/user/{name}")))
        for link in record.get("_hyperlinks") or []:
            if link.get("ref") == "self":
                record.setdefault("id", link["id"])
        return record

    def message_contents(self, ticket_id: int) -> list[tuple[str, str]]:
        """(transaction type, text) of every message on the ticket, oldest first."""
        types: dict[str, str] = {}
        page = 1
        while True:
            body = self._ok(
                self.http.get(
                    f"/ticket/{ticket_id}/history",
                    params={"fields": "Type", "per_page": 100, "page": page},
                )
            )
            if not body["items"]:
                break
            for item in body["items"]:
                types[str(item["id"])] = item["Type"]
            page += 1
        out: list[tuple[str, str]] = []
        page = 1
        while True:
            body = self._ok(
                self.http.get(
                    f"/ticket/{ticket_id}/attachments",
                    params={
                        "fields": "TransactionId,ContentType,Content",
                        "per_page": 100,
                        "page": page,
                    },
                )
            )
            if not body["items"]:
                break
            for item in body["items"]:
                if item.get("ContentType") == "text/plain":
                    out.append((types.get(str(item["TransactionId"]), "?"), item["Content"]))
            page += 1
        return out


def create_instance(root: Path, port: int | None = None) -> RTInstance:
    """Install RT if needed, set up an instance in `root`, start it. RTUnavailable if not."""
    ensure_rt_installed()
    instance = RTInstance(root=root, port=port or free_port())
    instance.setup()
    instance.start()
    return instance
