"""Alembic's script directory for the store (`script_location = "chat.store:alembic"`); see chat.store.migrate."""
