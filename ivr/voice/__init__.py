"""Twilio voice webhooks under /voice/: every request signed, every reply TwiML.

The blueprint is `ivr.voice.routes.bp`.
"""
