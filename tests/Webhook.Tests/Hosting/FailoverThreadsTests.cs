using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resorcerer.Webhook.Hosting;

namespace Resorcerer.Webhook.Tests.Hosting;

public sealed class FailoverThreadsTests
{
    /// <summary>A clock whose timers fire when the test says.</summary>
    private sealed class ManualTimers : TimeProvider
    {
        public List<(TimerCallback Callback, object? State, TimeSpan Due)> Created { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Created.Add((callback, state, dueTime));
            return new Handle();
        }

        private sealed class Handle : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void Threads_are_asked_for_while_a_connection_is_down_and_given_back_after_it_settles()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var timers = new ManualTimers();
        using var threads = new FailoverThreads(Options.Create(new WebhookOptions { FailoverPoolThreads = workers + 8 }), timers, NullLogger<FailoverThreads>.Instance);
        try
        {
            threads.Raise("redis:6379");
            threads.Raise("redis:6380"); // a second failure changes nothing
            ThreadPool.GetMinThreads(out var raised, out _);
            Assert.Equal(workers + 8, raised);
            Assert.True(threads.Raised);

            threads.ReleaseLater();
            var (callback, state, due) = Assert.Single(timers.Created);
            Assert.Equal(FailoverThreads.Settle, due);
            Assert.True(threads.Raised); // still switching, perhaps

            callback(state);
            ThreadPool.GetMinThreads(out var after, out var ioAfter);
            Assert.Equal((workers, io), (after, ioAfter));
            Assert.False(threads.Raised);
        }
        finally
        {
            ThreadPool.SetMinThreads(workers, io);
        }
    }
}
