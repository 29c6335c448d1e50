using System.Collections.Concurrent;

namespace MultiHeadClassifier.Cli.Input;

/// <summary>
/// Runs a sequence on a background thread a few items ahead of its consumer, so that reading and splitting a file
/// overlaps with what the consumer does with each block (converting cells, checking, writing).
/// </summary>
internal static class ReadAhead
{
    /// <summary>Enumerates <paramref name="source"/> on a worker thread, at most <paramref name="capacity"/> items ahead.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="source">The sequence; enumerated once, on the worker.</param>
    /// <param name="capacity">How many items may wait for the consumer.</param>
    /// <returns>The same items in the same order; an exception of the source surfaces after the items before it.
    /// Leaving early stops the worker.</returns>
    public static IEnumerable<T> Run<T>(IEnumerable<T> source, int capacity)
    {
        using var queue = new BlockingCollection<T>(capacity);
        using var stop = new CancellationTokenSource();
        var worker = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    foreach (var item in source)
                    {
                        queue.Add(item, stop.Token);
                    }
                }
                finally
                {
                    queue.CompleteAdding();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            foreach (var item in queue.GetConsumingEnumerable())
            {
                yield return item;
            }

            worker.GetAwaiter().GetResult();
        }
        finally
        {
            stop.Cancel();
            try
            {
                worker.Wait();
            }
            catch (AggregateException)
            {
                // The consumer left early (the worker was cancelled) or the error was already rethrown above.
            }
        }
    }
}
