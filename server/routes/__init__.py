"""Thin HTTP and websocket routes: parse, call a service, publish its events after the commit."""
