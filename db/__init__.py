"""The SQLite file: records, schema and migrations, the Store, demo data, CSV in and out."""
