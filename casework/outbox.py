"""The transactional outbox toward outside systems (tables and service)."""
