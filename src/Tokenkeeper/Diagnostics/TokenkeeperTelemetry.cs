using System.Diagnostics;

namespace Tokenkeeper.Diagnostics;

/// <summary>The names under which Tokenkeeper reports: one <c>Meter</c> and one <c>ActivitySource</c>, both "Tokenkeeper".</summary>
public static class TokenkeeperTelemetry
{
    /// <summary>The meter and activity source name.</summary>
    public const string Name = "Tokenkeeper";

    /// <summary>Activities: <c>tokenkeeper.refresh</c> around each refresh cycle.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);
}
