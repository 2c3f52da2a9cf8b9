namespace Resorcerer.TestSupport;

/// <summary>
/// Waiting for a condition instead of for a fixed time: a busy machine makes things slow, never wrong. The
/// deadline is generous and only there so that a broken condition fails the test with a message.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test, naming <paramref name="what"/>, at the deadline.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Xunit.Assert.Fail($"gave up waiting, after {(deadline ?? DefaultDeadline).TotalSeconds:0} s, for {what}");
            }

            await Task.Delay(50);
        }
    }
}
