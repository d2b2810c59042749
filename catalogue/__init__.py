"""The only code that touches the databases: schema, ingest, status storage, build and publish."""
