"""Flask app, Twilio webhooks and call flows of the 88908890 voice service."""
