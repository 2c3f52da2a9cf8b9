namespace Resorcerer.Webhook.Admission;

/// <summary>
/// How an admission ended, for metrics and logs. Kinds: patched, unchanged, skipped, error. <see cref="Warning"/> is
/// what the pod's creator is told; <see cref="Detail"/>, what only the log says.
/// </summary>
public sealed record AdmissionOutcome(string Kind, string Reason, string? Warning = null)
{
    public string? Detail { get; init; }

    private static readonly AdmissionOutcome PatchedPlainly = new("patched", "profile_applied");

    public static AdmissionOutcome Patched(string? warning = null) => warning is null ? PatchedPlainly : PatchedPlainly with { Warning = warning };

    public static AdmissionOutcome Unchanged(string reason, string? warning = null) => new("unchanged", reason, warning);

    public static AdmissionOutcome Skipped(string reason, string? warning = null) => new("skipped", reason, warning);

    public static AdmissionOutcome Error(string reason, string warning) => new("error", reason, warning);
}
