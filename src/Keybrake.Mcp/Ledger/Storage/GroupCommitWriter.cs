using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Storage;

/// <summary>
/// Every write of the process to one ledger file goes through here: one connection, and the writes that arrive while
/// a transaction runs are applied together in the next one (group commit). Each write still sees the ones before it
/// (they run in order, inside one <c>BEGIN IMMEDIATE</c>), so a budget check is as exact as with one transaction per
/// call, but 16 concurrent callers share a commit instead of queueing for 16.
/// </summary>
/// <remarks>
/// The first caller to find the writer idle runs the batch on its own thread (a lone caller pays no thread hop);
/// if more writes queued meanwhile, a thread-pool worker takes over so that caller can return.
/// A write that throws is rolled back alone: the batch is retried without it. A failed commit fails every write in
/// the batch, so no caller ever proceeds on a write that is not durable.
/// </remarks>
/// <param name="open">Opens the writer's connection, with <c>wal_autocheckpoint = 0</c>: <paramref name="checkpoint"/> runs instead.</param>
/// <param name="moved">Called when the file moved under the kept connection (so kept readers are dropped too).</param>
internal sealed class GroupCommitWriter(string path, Func<SqliteConnection> open, SemaphoreSlim processGate, TimeSpan busyTimeout, Action checkpoint, Action moved) : IDisposable
{
    // A passive checkpoint every so many commits, off the request path (the writer connection never checkpoints itself).
    private const int CommitsPerCheckpoint = 256;

    private readonly Lock _lock = new();
    private List<PendingWrite> _queue = [];
    private bool _leading;
    private bool _disposed;
    private SqliteConnection? _connection;
    private int _commits;
    private int _checkpointing;

    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, ct);
        bool lead;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Add(write);
            lead = !_leading;
            _leading = true;
        }

        if (lead)
        {
            RunBatch(TakeQueue()!);
            if (TakeQueue() is { } more)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static state => state.writer.Drain(state.more), (writer: this, more), preferLocal: false);
            }
        }

        return write.Task;
    }

    private List<PendingWrite>? TakeQueue()
    {
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                _leading = false;
                return null;
            }

            var batch = _queue;
            _queue = [];
            return batch;
        }
    }

    private void Drain(List<PendingWrite> batch)
    {
        for (List<PendingWrite>? next = batch; next is not null; next = TakeQueue())
        {
            RunBatch(next);
        }
    }

    private void RunBatch(List<PendingWrite> batch)
    {
        batch.RemoveAll(w => w.CancelIfRequested());
        if (batch.Count == 0)
        {
            return;
        }

        // Another ledger instance of this process on the same file waits here, not in SQLite's sleeping busy handler.
        if (!processGate.Wait(busyTimeout))
        {
            FailAll(batch, new TimeoutException($"the ledger stayed busy for {busyTimeout.TotalSeconds:0.#} s"));
            return;
        }

        try
        {
            while (batch.Count > 0 && TryCommit(batch, out var failed, out var error))
            {
                if (failed is null)
                {
                    batch.ForEach(w => w.Complete());
                    return;
                }

                failed.Fail(error!);
                batch.Remove(failed);
            }
        }
        finally
        {
            processGate.Release();
        }
    }

    /// <summary>
    /// Runs the batch in one transaction. True with no <paramref name="failed"/> write: committed. True with one: rolled
    /// back because of that write (retry the rest). False: the transaction itself failed and every write was failed.
    /// </summary>
    private bool TryCommit(List<PendingWrite> batch, out PendingWrite? failed, out Exception? error)
    {
        failed = null;
        error = null;
        SqliteConnection connection;
        try
        {
            connection = Connection();
            connection.Exec(null, "BEGIN IMMEDIATE;");
        }
        catch (Exception ex)
        {
            Drop();
            FailAll(batch, ex);
            return false;
        }

        foreach (var write in batch)
        {
            try
            {
                write.Run(connection);
            }
            catch (Exception ex)
            {
                (failed, error) = (write, ex);
                break;
            }
        }

        try
        {
            if (failed is not null)
            {
                connection.Exec(null, "ROLLBACK;");
                if (error is SqliteException)
                {
                    Drop();
                }

                return true;
            }

            connection.Exec(null, "COMMIT;");
        }
        catch (Exception ex)
        {
            Drop();
            FailAll(batch, ex);
            return false;
        }

        if (++_commits % CommitsPerCheckpoint == 0 && Interlocked.Exchange(ref _checkpointing, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer =>
            {
                try
                {
                    writer.CheckpointNow();
                }
                finally
                {
                    Volatile.Write(ref writer._checkpointing, 0);
                }
            }, this, preferLocal: false);
        }

        return true;
    }

    private void CheckpointNow()
    {
        try
        {
            checkpoint();
        }
        catch (Exception)
        {
            // Best effort: the next checkpoint (or the last connection closing) folds the WAL back.
        }
    }

    private SqliteConnection Connection()
    {
        if (_connection is { } kept && MovedFileCheck.Moved(kept, path))
        {
            // Deleted or replaced under us: reopen by path, which fails on a missing or foreign file.
            Drop();
            moved();
        }

        return _connection ??= open();
    }

    private void Drop()
    {
        _connection?.Dispose();
        _connection = null;
    }

    private static void FailAll(List<PendingWrite> batch, Exception error) => batch.ForEach(w => w.Fail(error));

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        processGate.Wait(busyTimeout);
        try
        {
            Drop();
        }
        finally
        {
            processGate.Release();
        }
    }

    private abstract class PendingWrite
    {
        public abstract bool CancelIfRequested();

        public abstract void Run(SqliteConnection connection);

        public abstract void Complete();

        public abstract void Fail(Exception error);
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, T> work, CancellationToken ct) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _done.Task;

        public override bool CancelIfRequested() => ct.IsCancellationRequested && _done.TrySetCanceled(ct);

        public override void Run(SqliteConnection connection) => _result = work(connection);

        public override void Complete() => _done.TrySetResult(_result);

        public override void Fail(Exception error) => _done.TrySetException(error);
    }
}

