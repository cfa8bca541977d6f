using System.Collections.Frozen;
using System.Text.Json;

namespace Tokenkeeper.Diagnostics;

/// <summary>
/// The one spelling of an enum value wherever it leaves the process as a name (metric tags, event reasons): lower snake case,
/// like every other tag value and state reason (<c>Transient</c> → <c>transient</c>, <c>RateLimited</c> → <c>rate_limited</c>).
/// </summary>
internal static class TagValue
{
    /// <summary>The snake-case name of <paramref name="value"/>, computed once per value.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out var name) ? name : JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static class Names<T>
        where T : struct, Enum
    {
        /// <summary>Each value's name: its <see cref="System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute"/> when it has one
        /// (a documented spelling that is not plain snake case, such as <c>keepalive</c>), else its snake-case name.</summary>
        public static readonly FrozenDictionary<T, string> ByValue =
            Enum.GetValues<T>().Distinct().ToFrozenDictionary(v => v, v =>
                typeof(T).GetField(v.ToString())?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute), false) is [System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute named]
                    ? named.Name
                    : JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));
    }
}
