namespace Tokenkeeper.Simulator;

/// <summary>One parsed entry of <c>--faults</c>, such as <c>delay:2s</c> or <c>html:502</c>.</summary>
/// <param name="Kind">The kind of fault.</param>
/// <param name="Duration">The delay of <see cref="FaultKind.Delay"/>, or the <c>Retry-After</c> of <see cref="FaultKind.TooManyRequests"/>.</param>
/// <param name="StatusCode">The status of <see cref="FaultKind.Html"/> (200 or 502), or 0 to choose at random.</param>
internal readonly record struct FaultSpec(FaultKind Kind, TimeSpan Duration, int StatusCode)
{
    /// <summary>The name under which the fault is counted in <c>faults_injected</c>.</summary>
    public string Name => NameOf(Kind);

    public static string NameOf(FaultKind kind) => kind switch
    {
        FaultKind.ServiceUnavailable => "503",
        FaultKind.InternalServerError => "500",
        FaultKind.TooManyRequests => "429",
        FaultKind.Delay => "delay",
        FaultKind.DropBefore => "drop-before",
        FaultKind.DropAfter => "drop-after",
        FaultKind.Html => "html",
        FaultKind.Truncated => "truncated",
        _ => "error-in-200",
    };

    /// <summary>Every counted fault name, in a stable order.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Enum.GetValues<FaultKind>().Select(NameOf)];
}
