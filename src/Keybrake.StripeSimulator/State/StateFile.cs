using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Keybrake.StripeSimulator.State;

/// <summary>
/// A simulated account kept in a SQLite file instead of one process's memory, so that every process on the machine that
/// opens the same file (several stdio servers, an HTTP server, restarts) acts on one account, as they would on Stripe's.
/// Each API request is one <c>BEGIN IMMEDIATE</c> transaction: the objects are reloaded when another process changed
/// them since (a version number says so), the request runs on them, and what it changed is written back.
/// Idempotency keys live in the same file, so a request replayed by another process (or after a restart) is answered
/// with the first outcome.
/// </summary>
internal sealed class StateFile : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS object (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, json TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS idempotency (
            owner TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER, body TEXT, request_id TEXT,
            claimed_ms INTEGER NOT NULL, PRIMARY KEY (owner, key));
        """;

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

    // One connection, so one user at a time: idempotency keys are claimed and completed outside the account's lock, by
    // concurrent requests, and two of them on the connection at once failed (a transaction inside another, answered 500).
    private readonly Lock _use = new();
    private long _loadedVersion = -1;

    public StateFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, DefaultTimeout = 30 }.ToString());
        _connection.Open();
        Exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;");
        Exec(Schema);
    }

    public string Path { get; }

    /// <summary>A value kept with the account (e.g. whether it was seeded), created by <paramref name="create"/> on first use.</summary>
    public string Meta(string key, Func<string> create)
    {
        lock (_use)
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            var value = Scalar("SELECT value FROM meta WHERE key = $key", ("$key", key)) as string;
            if (value is null)
            {
                value = create();
                Exec("INSERT INTO meta (key, value) VALUES ($key, $value)", ("$key", key), ("$value", value));
            }

            tx.Commit();
            return value;
        }
    }

    /// <summary>Runs <paramref name="action"/> on the account's current objects in one transaction and saves what it changed.</summary>
    /// <remarks>The caller holds the account's lock: one transaction at a time per process.</remarks>
    public T Transact<T>(ObjectStore store, Func<T> action)
    {
        lock (_use)
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            var version = long.Parse(Scalar("SELECT value FROM meta WHERE key = 'version'") as string ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            if (version != _loadedVersion)
            {
                Load(store);
                _loadedVersion = version;
            }

            try
            {
                var result = action();
                if (Save(store))
                {
                    Exec("INSERT INTO meta (key, value) VALUES ('version', $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        ("$v", (version + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    tx.Commit();
                    _loadedVersion = version + 1;
                }
                else
                {
                    tx.Commit();
                }

                return result;
            }
            catch
            {
                // The objects in memory may be half-changed, or changed but never saved: the next transaction reloads them
                // from the file, and forgets what it believed written.
                _loadedVersion = -1;
                throw;
            }
        }
    }

    private void Load(ObjectStore store)
    {
        store.Clear();
        _written.Clear();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, json FROM object ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var json = reader.GetString(1);
            store.Add(JsonNode.Parse(json)!.AsObject());
            _written[reader.GetString(0)] = json;
        }

        // As in the file: nothing to compare at the next save.
        store.TakeChanges();
    }

    private bool Save(ObjectStore store)
    {
        var changed = false;
        var (touched, removed) = store.TakeChanges();
        foreach (var obj in touched)
        {
            var id = (string)obj["id"]!;
            if (store.FindAnyUntouched(id) != obj)
            {
                // Removed since it was handed out (and maybe replaced by another object with its id).
                continue;
            }

            var json = obj.ToJsonString();
            if (_written.TryGetValue(id, out var before) && before == json)
            {
                continue;
            }

            Exec(before is null
                    ? "INSERT INTO object (id, kind, json) VALUES ($id, $kind, $json)"
                    : "UPDATE object SET json = $json WHERE id = $id",
                ("$id", id), ("$kind", (string)obj["object"]!), ("$json", json));
            _written[id] = json;
            changed = true;
        }

        foreach (var gone in removed.Where(id => store.FindAnyUntouched(id) is null && _written.ContainsKey(id)))
        {
            Exec("DELETE FROM object WHERE id = $id", ("$id", gone));
            _written.Remove(gone);
            changed = true;
        }

        return changed;
    }

    /// <summary>Claims an idempotency key, or finds what it answered; a claim older than <paramref name="abandonAfter"/> is taken over.</summary>
    public (bool Claimed, string? Fingerprint, int? Status, string? Body, string? RequestId) ClaimKey(string owner, string key, string fingerprint, long nowMs, long abandonAfter)
    {
        lock (_use)
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT fingerprint, status, body, request_id, claimed_ms FROM idempotency WHERE owner = $owner AND key = $key";
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$key", key);
            using (var reader = command.ExecuteReader())
            {
                if (reader.Read())
                {
                    var stored = (reader.GetString(0), reader.IsDBNull(1) ? (int?)null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4));
                    // A claim without an answer whose process went away long ago would hold the key forever.
                    if (stored.Item2 is not null || nowMs - stored.Item5 < abandonAfter || stored.Item1 != fingerprint)
                    {
                        tx.Commit();
                        return (false, stored.Item1, stored.Item2, stored.Item3, stored.Item4);
                    }
                }
            }

            Exec("INSERT INTO idempotency (owner, key, fingerprint, claimed_ms) VALUES ($owner, $key, $fp, $now) " +
                 "ON CONFLICT (owner, key) DO UPDATE SET claimed_ms = excluded.claimed_ms",
                ("$owner", owner), ("$key", key), ("$fp", fingerprint), ("$now", nowMs));
            tx.Commit();
            return (true, fingerprint, null, null, null);
        }
    }

    /// <summary>Saves a key's answer, or forgets the key (<paramref name="status"/> null).</summary>
    public void CompleteKey(string owner, string key, int? status, string? body, string? requestId)
    {
        lock (_use)
        {
            if (status is null)
            {
                Exec("DELETE FROM idempotency WHERE owner = $owner AND key = $key", ("$owner", owner), ("$key", key));
            }
            else
            {
                Exec("UPDATE idempotency SET status = $status, body = $body, request_id = $rid WHERE owner = $owner AND key = $key",
                    ("$status", status), ("$body", body), ("$rid", requestId), ("$owner", owner), ("$key", key));
            }
        }
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    private void Exec(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public void Dispose() => _connection.Dispose();
}
