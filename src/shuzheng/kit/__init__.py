"""Small shared helpers with no domain logic."""
