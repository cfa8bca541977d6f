using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenkeeper.Cli.Reports;

/// <summary>Writes the final JSON object on one line.</summary>
internal static class ReportJson
{
    public static string Serialize(SyncReport report) => JsonSerializer.Serialize(report, ReportJsonContext.Default.SyncReport);
}

/// <summary>Source-generated serialization of the reports.</summary>
[JsonSerializable(typeof(SyncReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
