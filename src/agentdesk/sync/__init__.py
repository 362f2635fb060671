"""Keeps the local cache in step with a backend: API clients, outbox push, pull, realtime hints."""
