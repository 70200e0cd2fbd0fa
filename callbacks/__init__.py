"""Outbound satisfaction surveys (回访, article 13): scheduling, dialing, retries, results.

Resolved cases (and referrals to member enterprises) get a callback row from a
set-based sweep, so nothing depends on the process that resolved the case. A
dispatcher claims due callbacks atomically in the database (two schedulers
never dial the same one), respects calling hours and the dial-rate and
concurrency caps, and dials through the `twilio` REST client. The survey call
itself is a flow in `ivr.flows.survey`; its answers are applied here.
"""
