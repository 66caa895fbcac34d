"""The employees' web app: server-rendered pages over the korpo domain (docs/web.md)."""
