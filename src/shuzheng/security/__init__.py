"""Accounts, login, tokens, roles and department scopes, 国密 cryptography and keys."""
