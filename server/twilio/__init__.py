"""Phone calls through Twilio: signed webhooks, Media Streams, and REST call control."""
