"""The shared vocabulary of agentdesk: models, enums, SLA maths, mutations. No I/O here."""
