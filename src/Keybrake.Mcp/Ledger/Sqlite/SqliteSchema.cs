namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>The ledger's tables in SQLite, as ordered migrations (<c>PRAGMA user_version</c> counts those applied).</summary>
internal static class SqliteSchema
{
    /// <summary>Index of the migration that creates <c>audit_chain</c>; rows older than it are sealed right after it runs.</summary>
    public const int AuditChainMigration = 2;

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE revocation (
            scope         TEXT PRIMARY KEY,
            revoked_at_ms INTEGER NOT NULL,
            reason        TEXT
        );
        CREATE TABLE call_count (
            id    INTEGER PRIMARY KEY,
            agent TEXT NOT NULL,
            role  TEXT NOT NULL,
            tool  TEXT NOT NULL,
            at_ms INTEGER NOT NULL
        );
        CREATE INDEX ix_call_count_agent ON call_count (agent, at_ms);
        CREATE INDEX ix_call_count_role ON call_count (role, at_ms);
        CREATE TABLE spend (
            call_id      TEXT PRIMARY KEY,
            agent        TEXT NOT NULL,
            role         TEXT NOT NULL,
            currency     TEXT NOT NULL,
            amount_minor INTEGER NOT NULL,
            state        TEXT NOT NULL,
            at_ms        INTEGER NOT NULL
        );
        CREATE INDEX ix_spend_role ON spend (role, currency, at_ms);
        CREATE INDEX ix_spend_agent ON spend (agent, currency, at_ms);
        CREATE TABLE audit (
            id                INTEGER PRIMARY KEY AUTOINCREMENT,
            call_id           TEXT NOT NULL UNIQUE,
            at_ms             INTEGER NOT NULL,
            agent             TEXT NOT NULL,
            role              TEXT NOT NULL,
            tool              TEXT NOT NULL,
            outcome           TEXT NOT NULL,
            code              TEXT,
            message           TEXT,
            amount            INTEGER,
            currency          TEXT,
            object            TEXT,
            stripe_request_id TEXT,
            idempotency_key   TEXT,
            duration_ms       INTEGER,
            arguments         TEXT NOT NULL,
            result            TEXT,
            fingerprint       TEXT
        );
        CREATE INDEX ix_audit_fingerprint ON audit (fingerprint, at_ms);
        CREATE INDEX ix_audit_agent ON audit (agent, at_ms);
        """,
        """
        CREATE TABLE agent_token (
            id              TEXT PRIMARY KEY,
            agent           TEXT NOT NULL,
            hash            TEXT NOT NULL,
            created_at_ms   INTEGER NOT NULL,
            last_used_at_ms INTEGER,
            revoked_at_ms   INTEGER
        );
        CREATE INDEX ix_agent_token_agent ON agent_token (agent);
        """,
        """
        CREATE TABLE audit_chain (
            seq       INTEGER PRIMARY KEY,
            call_id   TEXT NOT NULL,
            at_ms     INTEGER NOT NULL,
            content   TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL
        );
        CREATE INDEX ix_audit_chain_call ON audit_chain (call_id, seq);
        """,
        // Before acting on an object the pipeline looks for unknown calls on it: keep that lookup off a table scan.
        """
        CREATE INDEX ix_audit_object_outcome ON audit (object, outcome);
        """,
        """
        CREATE TABLE approval (
            id             TEXT PRIMARY KEY,
            agent          TEXT NOT NULL,
            role           TEXT NOT NULL,
            tool           TEXT NOT NULL,
            fingerprint    TEXT NOT NULL,
            arguments      TEXT NOT NULL,
            amount_minor   INTEGER NOT NULL,
            currency       TEXT NOT NULL,
            status         TEXT NOT NULL,
            created_at_ms  INTEGER NOT NULL,
            expires_at_ms  INTEGER NOT NULL,
            decided_at_ms  INTEGER,
            decided_by     TEXT,
            reason         TEXT,
            used_by_call   TEXT
        );
        CREATE INDEX ix_approval_fingerprint ON approval (fingerprint, created_at_ms);
        CREATE INDEX ix_approval_status ON approval (status, expires_at_ms);
        """,
        // Bucketed usage: a budget or rate check sums at most a few dozen buckets of its window, however many calls
        // the window holds. Each spend row remembers which bucket series it was added to (bit i = granularity i).
        """
        CREATE TABLE usage_bucket (
            scope          TEXT NOT NULL,
            kind           TEXT NOT NULL,
            currency       TEXT NOT NULL,
            granularity_ms INTEGER NOT NULL,
            bucket_ms      INTEGER NOT NULL,
            amount         INTEGER NOT NULL,
            PRIMARY KEY (scope, kind, currency, granularity_ms, bucket_ms)
        );
        ALTER TABLE spend ADD COLUMN agent_mask INTEGER NOT NULL DEFAULT 31;
        ALTER TABLE spend ADD COLUMN role_mask INTEGER NOT NULL DEFAULT 31;
        CREATE INDEX ix_spend_state ON spend (state);
        CREATE INDEX ix_audit_at ON audit (at_ms);
        INSERT INTO usage_bucket (scope, kind, currency, granularity_ms, bucket_ms, amount)
            SELECT s.scope, 'spend', s.currency, g.ms, CASE WHEN g.ms = 0 THEN 0 ELSE (s.at_ms / g.ms) * g.ms END, SUM(s.amount_minor)
            FROM (SELECT 'agent:' || agent AS scope, currency, at_ms, amount_minor FROM spend
                  UNION ALL SELECT 'role:' || role, currency, at_ms, amount_minor FROM spend) s,
                 (SELECT 1000 AS ms UNION ALL SELECT 60000 UNION ALL SELECT 3600000 UNION ALL SELECT 86400000 UNION ALL SELECT 0) g
            GROUP BY 1, 2, 3, 4, 5;
        """,
        // Start-up reconciliation looks for unknown calls only: a partial index keeps that off the whole log.
        """
        CREATE INDEX ix_audit_unknown ON audit (at_ms) WHERE outcome = 'unknown';
        """,
        // Every index is pages written on every call. Spend rows now exist only while money is held (a settled call's money
        // is in the usage buckets and its audit row), so the spend table stays small, keyed by call and with no index.
        // Refusals carry no fingerprint, so they stay out of the retry index; one partial index finds unknown calls, by
        // object or all. Buckets are only ever found by their key. Each audit row keeps its latest chain hash itself,
        // instead of an index from calls to chain events.
        """
        CREATE TABLE spend_by_call (
            call_id      TEXT PRIMARY KEY,
            agent        TEXT NOT NULL,
            role         TEXT NOT NULL,
            currency     TEXT NOT NULL,
            amount_minor INTEGER NOT NULL,
            at_ms        INTEGER NOT NULL,
            agent_mask   INTEGER NOT NULL,
            role_mask    INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO spend_by_call SELECT call_id, agent, role, currency, amount_minor, at_ms, agent_mask, role_mask FROM spend WHERE state = 'held';
        DROP TABLE spend;
        ALTER TABLE spend_by_call RENAME TO spend;
        ALTER TABLE audit ADD COLUMN hash TEXT;
        UPDATE audit SET hash = (SELECT c.hash FROM audit_chain c WHERE c.call_id = audit.call_id ORDER BY c.seq DESC LIMIT 1);
        DROP INDEX ix_audit_chain_call;
        DROP INDEX ix_audit_fingerprint;
        CREATE INDEX ix_audit_fingerprint ON audit (fingerprint, at_ms) WHERE fingerprint IS NOT NULL;
        DROP INDEX ix_audit_object_outcome;
        DROP INDEX ix_audit_unknown;
        CREATE INDEX ix_audit_unknown ON audit (object, at_ms) WHERE outcome = 'unknown';
        CREATE TABLE usage_bucket_by_key (
            scope          TEXT NOT NULL,
            kind           TEXT NOT NULL,
            currency       TEXT NOT NULL,
            granularity_ms INTEGER NOT NULL,
            bucket_ms      INTEGER NOT NULL,
            amount         INTEGER NOT NULL,
            PRIMARY KEY (scope, kind, currency, granularity_ms, bucket_ms)
        ) WITHOUT ROWID;
        INSERT INTO usage_bucket_by_key SELECT scope, kind, currency, granularity_ms, bucket_ms, amount FROM usage_bucket;
        DROP TABLE usage_bucket;
        ALTER TABLE usage_bucket_by_key RENAME TO usage_bucket;
        """,
        // Bounded arguments (a cut row carries the hash of the whole), a subscription change's recurring delta (JSON), and
        // what a call resolved before Stripe that a re-send of the very same request needs (JSON, not sealed).
        """
        ALTER TABLE audit ADD COLUMN arguments_sha256 TEXT;
        ALTER TABLE audit ADD COLUMN recurring_delta TEXT;
        ALTER TABLE audit ADD COLUMN context TEXT;
        """,
        // Leases: the server instance that started a call (not sealed), and each instance's claim that it still runs.
        """
        ALTER TABLE audit ADD COLUMN instance_id TEXT;
        CREATE TABLE instance_lease (
            instance_id   TEXT PRIMARY KEY,
            host          TEXT NOT NULL,
            pid           INTEGER NOT NULL,
            started_at_ms INTEGER NOT NULL,
            renewed_at_ms INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
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
            created_at_ms   INTEGER NOT NULL,
            expires_at_ms   INTEGER,
            last_used_at_ms INTEGER,
            revoked_at_ms   INTEGER,
            started_by      TEXT
        );
        CREATE TABLE operator_action (
            id       TEXT PRIMARY KEY,
            at_ms    INTEGER NOT NULL,
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
            at_ms      INTEGER NOT NULL,
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
            created_at_ms    INTEGER NOT NULL,
            next_at_ms       INTEGER NOT NULL,
            claimed_until_ms INTEGER NOT NULL DEFAULT 0,
            claimed_by       TEXT,
            last_error       TEXT,
            done_at_ms       INTEGER,
            PRIMARY KEY (event_id, url)
        );
        CREATE INDEX ix_notify_delivery_due ON notify_delivery (next_at_ms) WHERE status = 'pending';
        CREATE TABLE notify_threshold (
            scope       TEXT NOT NULL,
            currency    TEXT NOT NULL,
            window_name TEXT NOT NULL,
            percent     INTEGER NOT NULL,
            at_ms       INTEGER NOT NULL,
            PRIMARY KEY (scope, currency, window_name, percent)
        );
        """,
    ];
}
