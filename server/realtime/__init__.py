"""Live rooms: websocket messages, the hub that fans results out, broadcast backends."""
