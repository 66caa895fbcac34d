"""The local stack: moto server, resources read from template.yaml, in-process handlers."""
