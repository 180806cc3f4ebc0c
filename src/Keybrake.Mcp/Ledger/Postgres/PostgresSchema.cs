namespace Keybrake.Mcp.Ledger.Postgres;

/// <summary>
/// The ledger's tables in PostgreSQL, as ordered migrations: the same tables and columns as SQLite's, so one set of SQL
/// serves both. The first creates them as the SQLite schema stands after all of its own migrations.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Holds the version (migrations applied) of the ledger's schema.</summary>
    public const string VersionTable = "keybrake_schema_version";

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE revocation (
            scope         TEXT PRIMARY KEY,
            revoked_at_ms BIGINT NOT NULL,
            reason        TEXT
        );
        CREATE TABLE spend (
            call_id      TEXT PRIMARY KEY,
            agent        TEXT NOT NULL,
            role         TEXT NOT NULL,
            currency     TEXT NOT NULL,
            amount_minor BIGINT NOT NULL,
            at_ms        BIGINT NOT NULL,
            agent_mask   INTEGER NOT NULL,
            role_mask    INTEGER NOT NULL
        );
        CREATE TABLE audit (
            id                BIGINT PRIMARY KEY,
            call_id           TEXT NOT NULL UNIQUE,
            at_ms             BIGINT NOT NULL,
            agent             TEXT NOT NULL,
            role              TEXT NOT NULL,
            tool              TEXT NOT NULL,
            outcome           TEXT NOT NULL,
            code              TEXT,
            message           TEXT,
            amount            BIGINT,
            currency          TEXT,
            object            TEXT,
            stripe_request_id TEXT,
            idempotency_key   TEXT,
            duration_ms       BIGINT,
            arguments         TEXT NOT NULL,
            result            TEXT,
            fingerprint       TEXT,
            hash              TEXT,
            arguments_sha256  TEXT,
            recurring_delta   TEXT,
            context           TEXT,
            instance_id       TEXT
        );
        CREATE INDEX ix_audit_agent ON audit (agent, at_ms);
        CREATE INDEX ix_audit_at ON audit (at_ms);
        CREATE INDEX ix_audit_fingerprint ON audit (fingerprint, at_ms) WHERE fingerprint IS NOT NULL;
        CREATE INDEX ix_audit_unknown ON audit (object, at_ms) WHERE outcome = 'unknown';
        CREATE TABLE agent_token (
            id              TEXT PRIMARY KEY,
            agent           TEXT NOT NULL,
            hash            TEXT NOT NULL,
            created_at_ms   BIGINT NOT NULL,
            last_used_at_ms BIGINT,
            revoked_at_ms   BIGINT
        );
        CREATE INDEX ix_agent_token_agent ON agent_token (agent);
        CREATE TABLE audit_chain (
            seq       BIGINT PRIMARY KEY,
            call_id   TEXT NOT NULL,
            at_ms     BIGINT NOT NULL,
            content   TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL
        );
        CREATE TABLE approval (
            id             TEXT PRIMARY KEY,
            agent          TEXT NOT NULL,
            role           TEXT NOT NULL,
            tool           TEXT NOT NULL,
            fingerprint    TEXT NOT NULL,
            arguments      TEXT NOT NULL,
            amount_minor   BIGINT NOT NULL,
            currency       TEXT NOT NULL,
            status         TEXT NOT NULL,
            created_at_ms  BIGINT NOT NULL,
            expires_at_ms  BIGINT NOT NULL,
            decided_at_ms  BIGINT,
            decided_by     TEXT,
            reason         TEXT,
            used_by_call   TEXT
        );
        CREATE INDEX ix_approval_fingerprint ON approval (fingerprint, created_at_ms);
        CREATE INDEX ix_approval_status ON approval (status, expires_at_ms);
        CREATE TABLE usage_bucket (
            scope          TEXT NOT NULL,
            kind           TEXT NOT NULL,
            currency       TEXT NOT NULL,
            granularity_ms BIGINT NOT NULL,
            bucket_ms      BIGINT NOT NULL,
            amount         BIGINT NOT NULL,
            PRIMARY KEY (scope, kind, currency, granularity_ms, bucket_ms)
        );
        CREATE TABLE instance_lease (
            instance_id   TEXT PRIMARY KEY,
            host          TEXT NOT NULL,
            pid           INTEGER NOT NULL,
            started_at_ms BIGINT NOT NULL,
            renewed_at_ms BIGINT NOT NULL,
            expires_at_ms BIGINT NOT NULL
        );
        """,
        // How the caller proved who it is (a token's id, or an OAuth issuer and subject), sealed by the chain when set.
        """
        ALTER TABLE audit ADD COLUMN auth TEXT;
        """,
        // The operators' console: their credentials and sessions (hashes only), what they did, and what a human needs
        // to decide on an approval beyond its arguments (the Stripe object and its customer, as the call resolved them).
        """
        CREATE TABLE operator_credential (
            id              TEXT PRIMARY KEY,
            operator        TEXT NOT NULL,
            kind            TEXT NOT NULL,
            hash            TEXT NOT NULL,
            created_at_ms   BIGINT NOT NULL,
            expires_at_ms   BIGINT,
            last_used_at_ms BIGINT,
            revoked_at_ms   BIGINT,
            started_by      TEXT
        );
        CREATE TABLE operator_action (
            id       TEXT PRIMARY KEY,
            at_ms    BIGINT NOT NULL,
            operator TEXT NOT NULL,
            action   TEXT NOT NULL,
            target   TEXT,
            detail   TEXT
        );
        CREATE INDEX ix_operator_action_at ON operator_action (at_ms);
        ALTER TABLE approval ADD COLUMN object TEXT;
        ALTER TABLE approval ADD COLUMN customer TEXT;
        """,
        // Notifications: an outbox of events, each written in the transaction of the change it reports; one delivery per
        // (event, endpoint) with its retries and a short claim, so two instances never both send one; and when each budget
        // threshold was last reported, so a threshold is reported once per crossing.
        """
        CREATE TABLE notify_event (
            id         TEXT PRIMARY KEY,
            type       TEXT NOT NULL,
            at_ms      BIGINT NOT NULL,
            role       TEXT,
            agent      TEXT,
            scope      TEXT,
            body       TEXT NOT NULL,
            fanned_out INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX ix_notify_event_fan_out ON notify_event (at_ms) WHERE fanned_out = 0;
        CREATE TABLE notify_delivery (
            event_id         TEXT NOT NULL,
            url              TEXT NOT NULL,
            secret_env       TEXT NOT NULL,
            status           TEXT NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            created_at_ms    BIGINT NOT NULL,
            next_at_ms       BIGINT NOT NULL,
            claimed_until_ms BIGINT NOT NULL DEFAULT 0,
            claimed_by       TEXT,
            last_error       TEXT,
            done_at_ms       BIGINT,
            PRIMARY KEY (event_id, url)
        );
        CREATE INDEX ix_notify_delivery_due ON notify_delivery (next_at_ms) WHERE status = 'pending';
        CREATE TABLE notify_threshold (
            scope       TEXT NOT NULL,
            currency    TEXT NOT NULL,
            window_name TEXT NOT NULL,
            percent     INTEGER NOT NULL,
            at_ms       BIGINT NOT NULL,
            PRIMARY KEY (scope, currency, window_name, percent)
        );
        """,
    ];
}
