"""What `agentdesk seed` is made of: support scenarios, the team's library, people, rows.

- `scenarios`: the kinds of tickets a desk sees, with subject and thread templates.
- `library`: groups, SLA policies, canned responses and saved views.
- `people`: name, organisation and product pools built once with Faker.
- `tickets`: ticket, message and rating rows generated per deterministic chunk.
- `writers`: bulk writers (sqlite3 `executemany`, PostgreSQL `COPY`).
"""
