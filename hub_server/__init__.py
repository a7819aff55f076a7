"""The central hub: MQTT ingest, CSO review, public portal, fleet dashboard."""
