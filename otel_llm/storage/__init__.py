"""Storage: the schema, engines, span → row normalisation and the SQL span exporter."""
