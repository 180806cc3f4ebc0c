using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Keybrake.Mcp.Ledger.Sqlite;

/// <summary>
/// Every write of the process to one ledger file goes through here: one connection, and the writes that arrive while
/// a transaction runs are applied together in the next one (group commit). Each write still sees the ones before it
/// (they run in order, inside one <c>BEGIN IMMEDIATE</c>), so a budget check is as exact as with one transaction per
/// call, but 16 concurrent callers share a commit instead of queueing for 16.
/// </summary>
/// <remarks>
/// The first caller to find the writer idle runs the batch on its own thread (a lone caller pays no thread hop); if
/// more writes queued meanwhile, a thread-pool worker takes over so that caller can return.
/// A write that throws is rolled back alone: the batch is retried without it. A failed commit fails every write in
/// the batch, so no caller ever proceeds on a write that is not durable.
/// </remarks>
/// <param name="open">Opens the writer's connection, with <c>wal_autocheckpoint = 0</c>: checkpoints run as described at <see cref="RewindNow"/>.</param>
/// <param name="copy">A PASSIVE checkpoint on another connection: copies the WAL into the database beside the writer.</param>
/// <param name="moved">Called when the file moved under the kept connection (so kept readers are dropped too).</param>
/// <param name="begun">Called at every <c>BEGIN IMMEDIATE</c>, retries of a batch included, before any write of it runs.</param>
/// <param name="committed">Called after every successful <c>COMMIT</c>, on the writer's thread, before the next <c>BEGIN</c>.</param>
/// <param name="checkpointWait">
/// How long a rewind waits for readers of older snapshots: a reader of another process may take long, and the writer must
/// not stall behind it. A rewind that could not finish is tried again after the next commits.
/// </param>
internal sealed class GroupCommitWriter(string path, Func<SqliteConnection> open, SemaphoreSlim processGate, TimeSpan busyTimeout, Action copy, Action moved,
    Action<SqliteConnection> begun, Action<SqliteConnection> committed, TimeSpan checkpointWait) : IDisposable
{
    /// <summary>The <c>checkpointWait</c> servers use: short, since writes wait behind a rewind.</summary>
    public static readonly TimeSpan DefaultCheckpointWait = TimeSpan.FromMilliseconds(20);

    // A checkpoint every so many commits.
    private const int CommitsPerCheckpoint = 256;

    private readonly ConcurrentQueue<PendingWrite> _queue = new();
    private int _leading;
    private volatile bool _disposed;
    private SqliteConnection? _connection;
    private int _commits;
    private int _copying;
    private volatile bool _rewindDue;
    private volatile bool _disposeGaveUp;

    public Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var write = new PendingWrite<T>(work, ct);
        _queue.Enqueue(write);
        if (TryLead())
        {
            try
            {
                RunBatch(TakeQueue(), write);
            }
            finally
            {
                ReleaseLead();
            }
        }
        else if (_disposed && write.TryAbandon())
        {
            // Disposing holds the lead for good once it has drained the queue: nobody would run this write. Abandoned
            // before any batch claimed it, so it is answered as refused and never run.
            write.Fail(new ObjectDisposedException(nameof(GroupCommitWriter)));
            write.Answer();
        }

        return write.Task;
    }

    private bool TryLead() => Interlocked.CompareExchange(ref _leading, 1, 0) == 0;

    // Gives up the lead; a write that arrived meanwhile is run by a thread-pool worker, so the caller can return. A
    // rewind that is due keeps the lead and runs on that worker too: never on a caller's thread.
    private void ReleaseLead()
    {
        if (_disposeGaveUp)
        {
            // Dispose stopped waiting for this batch: finish the queue, close the connection, keep the lead for good.
            RunBatch(TakeQueue(), null);
            Drop();
            return;
        }

        if (_rewindDue)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.Drain(), this, preferLocal: false);
            return;
        }

        Volatile.Write(ref _leading, 0);
        if (!_queue.IsEmpty && TryLead())
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        try
        {
            while (true)
            {
                if (_rewindDue)
                {
                    _rewindDue = false;
                    RewindNow();
                }

                var batch = TakeQueue();
                if (batch.Count == 0)
                {
                    break;
                }

                RunBatch(batch, null);
            }
        }
        finally
        {
            ReleaseLead();
        }
    }

    private List<PendingWrite> TakeQueue()
    {
        var batch = new List<PendingWrite>();
        while (_queue.TryDequeue(out var write))
        {
            batch.Add(write);
        }

        return batch;
    }

    /// <param name="own">The leading caller's write: answered in place (nobody awaits it yet).</param>
    private void RunBatch(List<PendingWrite> batch, PendingWrite? own)
    {
        var done = new List<PendingWrite>(batch.Count);
        try
        {
            // Writes abandoned by a caller that saw the writer disposed were answered already: never run them.
            batch.RemoveAll(w => !w.TryClaim());
            done.AddRange(batch.Where(w => w.CancelIfRequested()));
            batch.RemoveAll(w => w.IsDone);
            if (batch.Count == 0)
            {
                return;
            }

            // Another ledger instance of this process on the same file waits here, not in SQLite's sleeping busy handler.
            if (!processGate.Wait(busyTimeout))
            {
                FailAll(batch, new TimeoutException($"the ledger stayed busy for {busyTimeout.TotalSeconds:0.#} s"));
                done.AddRange(batch);
                return;
            }

            try
            {
                while (batch.Count > 0 && TryCommit(batch, out var failed, out var error))
                {
                    if (failed is null)
                    {
                        break;
                    }

                    failed.Fail(error!);
                    done.Add(failed);
                    batch.Remove(failed);
                }

                done.AddRange(batch);
            }
            finally
            {
                processGate.Release();
            }
        }
        catch (Exception ex)
        {
            // Whatever went wrong, every write of the batch gets an answer: a caller must never wait forever.
            var unanswered = batch.Except(done).ToList();
            FailAll(unanswered, ex);
            done.AddRange(unanswered);
        }
        finally
        {
            Answer(done, own);
        }
    }

    private static void Answer(List<PendingWrite> done, PendingWrite? own)
    {
        if (own is not null && done.Remove(own))
        {
            own.Answer();
        }

        // Their continuations are queued to the thread pool, not run on the writer's thread.
        done.ForEach(w => w.Answer());
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
            SqliteControl.ExecKept(connection, "BEGIN IMMEDIATE;");
            begun(connection);
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
                SqliteControl.ExecKept(connection, "ROLLBACK;");
                if (error is SqliteException)
                {
                    Drop();
                }

                return true;
            }

            SqliteControl.ExecKept(connection, "COMMIT;");
            committed(connection);
        }
        catch (Exception ex)
        {
            Drop();
            FailAll(batch, ex);
            return false;
        }

        if (++_commits % CommitsPerCheckpoint == 0)
        {
            if (Interlocked.Exchange(ref _copying, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.CopyNow(), this, preferLocal: false);
            }
            else
            {
                // The copy asked for 256 commits ago has not finished (a starved thread pool, or a slow disk): a rewind
                // is due anyway. It copies everything itself if the copy never started; if the copy still holds SQLite's
                // checkpoint lock, it finds it busy and the next round tries again. Writes wait behind the rewind's
                // worker, so a starved pool slows writers down instead of letting the WAL grow without end.
                _rewindDue = true;
            }
        }

        return true;
    }

    // Phase one, beside the writer: most of the WAL is copied and the database synced while commits go on.
    private void CopyNow()
    {
        try
        {
            copy();
        }
        catch (Exception)
        {
            // Best effort: the next checkpoint (or the last connection closing) folds the WAL back.
        }
        finally
        {
            _rewindDue = true;
            Volatile.Write(ref _copying, 0);
        }
    }

    /// <summary>
    /// Phase two, between batches on the writer's own connection: copies what was committed since phase one and rewinds
    /// the WAL (RESTART). A PASSIVE checkpoint alone never caught up with a busy writer, so the WAL never rewound: it grew
    /// by about 100 MB a second under load, and every commit wrote to new, unallocated pages. Rewound, commits overwrite
    /// pages the file system already has, and the WAL stays a few megabytes. Writes wait only for this short phase.
    /// </summary>
    private void RewindNow()
    {
        // Another ledger instance of this process writing now: skip, the next one is due soon.
        if (_connection is not { } connection || !processGate.Wait(0))
        {
            return;
        }

        try
        {
            SqliteControl.Exec(connection, $"PRAGMA busy_timeout = {(int)checkpointWait.TotalMilliseconds};");
            try
            {
                SqliteControl.Exec(connection, "PRAGMA wal_checkpoint(RESTART);");
            }
            finally
            {
                SqliteControl.Exec(connection, $"PRAGMA busy_timeout = {(int)busyTimeout.TotalMilliseconds};");
            }
        }
        catch (Exception)
        {
            // Best effort, as above; but a connection whose busy timeout may not be restored is not kept (the next
            // batch opens a new one with the ledger's settings). Nothing escapes: this runs on a pool worker.
            Drop();
        }
        finally
        {
            processGate.Release();
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

    /// <summary>Finishes what is queued, then closes the connection; later writes are refused.</summary>
    public void Dispose()
    {
        _disposed = true;
        var waited = 0;
        while (!TryLead())
        {
            // A batch is running: let it finish (it takes its own queue with it).
            Thread.Sleep(1);
            if (++waited * 1.0 > busyTimeout.TotalMilliseconds)
            {
                _disposeGaveUp = true;
                return;
            }
        }

        RunBatch(TakeQueue(), null);
        Drop();
    }

    private abstract class PendingWrite
    {
        private int _state; // 0 queued, 1 claimed by a batch, 2 abandoned

        public bool TryClaim() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

        public abstract bool IsDone { get; }

        public abstract bool CancelIfRequested();

        public abstract void Run(SqliteConnection connection);

        public abstract void Fail(Exception error);

        public abstract void Answer();
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, Task<T>> work, CancellationToken ct) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;
        private bool _cancelled;

        public Task<T> Task => _done.Task;

        public override bool IsDone => _cancelled;

        public override bool CancelIfRequested() => _cancelled = ct.IsCancellationRequested;

        // Microsoft.Data.Sqlite's async methods run to completion before they return: a write's task is complete here, and
        // the batch stays on one thread inside its one transaction.
        public override void Run(SqliteConnection connection) => _result = work(connection).GetAwaiter().GetResult();

        public override void Fail(Exception error) => _error = error;

        public override void Answer()
        {
            if (_cancelled)
            {
                _done.TrySetCanceled(ct);
            }
            else if (_error is not null)
            {
                _done.TrySetException(_error);
            }
            else
            {
                _done.TrySetResult(_result);
            }
        }
    }
}
