"""Frontdesk's media core: typed audio, transports adapted to one track abstraction, the bridge.

`media` never imports `server`; engines and transports meet only through the types defined here.
"""
