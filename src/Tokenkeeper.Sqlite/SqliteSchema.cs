namespace Tokenkeeper.Sqlite;

/// <summary>The store's schema as numbered migrations, applied in order, each once, inside one write transaction.</summary>
internal static class SqliteSchema
{
    public static readonly (int Version, string Description, string Sql)[] Migrations =
    [
        (1, "connections, leases and outbox", """
            CREATE TABLE connections (
                id TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                record TEXT NOT NULL,
                state TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                lease_owner TEXT NULL,
                lease_fence INTEGER NOT NULL DEFAULT 0,
                lease_expires_at INTEGER NULL
            );
            CREATE TABLE outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                connection_id TEXT NOT NULL,
                type TEXT NOT NULL,
                occurred_at TEXT NOT NULL,
                payload TEXT NOT NULL
            );
            CREATE INDEX outbox_connection ON outbox (connection_id, seq);
            """),
        (2, "job checkpoints", """
            CREATE TABLE checkpoints (
                job_id TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                payload TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            """),
        (3, "outbox deliveries per sink", """
            CREATE TABLE outbox_deliveries (
                seq INTEGER NOT NULL REFERENCES outbox (seq),
                sink TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL DEFAULT 0,
                delivered_at TEXT NULL,
                dead_lettered_at TEXT NULL,
                last_error TEXT NULL,
                PRIMARY KEY (seq, sink)
            );
            """),
        (4, "token service keys (hashes only)", """
            CREATE TABLE api_keys (
                name TEXT PRIMARY KEY,
                hash TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,
                connections TEXT NOT NULL,
                created_at TEXT NOT NULL,
                revoked_at TEXT NULL
            );
            """),
        (5, "token service audit", """
            CREATE TABLE audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                key_name TEXT NOT NULL,
                connection_id TEXT NOT NULL,
                outcome TEXT NOT NULL,
                fingerprint TEXT NULL,
                client_address TEXT NULL
            );
            CREATE INDEX audit_at ON audit (at);
            CREATE INDEX audit_connection ON audit (connection_id, at);
            """),
    ];

    public const string Bootstrap = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at TEXT NOT NULL
        );
        """;
}
