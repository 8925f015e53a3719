"""PostgreSQL registry internals: pool, URL parsing, embedded server, migrations, stores."""
