"""Agents' presence, the transfer queue and warm transfers (tables and service)."""
