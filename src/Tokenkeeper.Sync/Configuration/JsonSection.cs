using System.Globalization;
using System.Text.Json;
using Tokenkeeper.Protocol;

namespace Tokenkeeper.Sync.Configuration;

/// <summary>
/// One JSON object of a job file, read with its path so every error names where it is (<c>$.job.source.url</c>). Strings
/// get <c>${env:NAME}</c> substituted; a JSON <c>null</c> counts as absent; numbers and booleans may also be given as
/// strings (so they can come from the environment).
/// </summary>
internal sealed class JsonSection
{
    private readonly JsonElement _element;
    private readonly JobFileContext _context;
    private readonly Dictionary<string, string> _origins = new(StringComparer.Ordinal);

    public JsonSection(JsonElement element, string path, JobFileContext context)
    {
        _element = element;
        Path = path;
        _context = context;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw context.Error(path, $"must be a JSON object, not {Describe(element)}");
        }
    }

    public string Path { get; }

    public JobFileContext Context => _context;

    /// <summary>Refuses any key not in <paramref name="known"/>, suggesting the closest known one.</summary>
    public void AllowOnly(params string[] known)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in _element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw _context.Error(PathOf(property.Name), "appears twice; give each key once");
            }

            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                var suggestion = KeySuggestion.For(property.Name, known);
                throw _context.Error(PathOf(property.Name), $"unknown key{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")} Known keys here: {string.Join(", ", known)}");
            }
        }
    }

    /// <summary>Whether <paramref name="key"/> is present with the value <c>null</c> (as opposed to absent).</summary>
    public bool IsExplicitNull(string key) => _element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Null;

    public bool Has(string key) => _element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    public string PathOf(string key) => Path + (key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? "." + key : $"[\"{key}\"]");

    public TokenkeeperConfigurationException Error(string key, string problem) => _context.Error(PathOf(key), problem);

    /// <summary>Where a string value came from: the environment variable it named in full, or its path in the file.</summary>
    public string OriginOf(string key) => _origins.TryGetValue(key, out var variable) ? $"the environment variable {variable}" : $"{PathOf(key)} in {_context.FileName}";

    /// <summary>Where a string value came from, spelt as the file spells it: <c>${env:NAME}</c> and the key that names it, or
    /// the key's path when the value is written in the file.</summary>
    public string ReferenceOf(string key) => _origins.TryGetValue(key, out var variable)
        ? $"the environment variable {variable} (${{env:{variable}}} at {PathOf(key)} in {_context.FileName})"
        : $"{PathOf(key)} in {_context.FileName}";

    public string? OptionalString(string key)
    {
        if (!_element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Error(key, $"must be a string, not {Describe(value)}");
        }

        try
        {
            var (text, variable) = EnvironmentSubstitution.Apply(value.GetString()!, _context.Environment);
            if (variable is not null)
            {
                _origins[key] = variable;
            }

            return text;
        }
        catch (FormatException ex)
        {
            throw Error(key, ex.Message);
        }
    }

    public string RequiredString(string key)
    {
        var value = OptionalString(key) ?? throw Error(key, "is required");
        return value.Length == 0 ? throw Error(key, _origins.TryGetValue(key, out var variable) ? $"is empty (the environment variable {variable} is set to nothing)" : "must not be empty") : value;
    }

    /// <summary>An optional string that, when present, must not be empty.</summary>
    public string? NonEmptyString(string key) => Has(key) ? RequiredString(key) : null;

    public int Int(string key, int defaultValue, int min, int max)
    {
        if (!_element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return defaultValue;
        }

        var text = value.ValueKind == JsonValueKind.String ? OptionalString(key) : value.GetRawText();
        return value.ValueKind is JsonValueKind.Number or JsonValueKind.String
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw Error(key, $"must be a whole number from {min} to {max}, not {(value.ValueKind == JsonValueKind.String ? $"'{text}'" : text)}");
    }

    public bool Bool(string key, bool defaultValue)
    {
        if (!_element.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return defaultValue;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(OptionalString(key), out var parsed) => parsed,
            _ => throw Error(key, $"must be true or false, not {Describe(value)}"),
        };
    }

    /// <summary>An optional duration such as <c>30s</c>, <c>5m</c> or <c>2h</c> (<c>0</c> too when <paramref name="allowZero"/>).</summary>
    public TimeSpan? Duration(string key, bool allowZero = false)
    {
        if (!Has(key))
        {
            return null;
        }

        var text = OptionalString(key);
        return DurationText.TryParse(text, out var duration, allowZero)
            ? duration
            : throw Error(key, $"must be a duration such as 500ms, 30s, 5m or 2h{(allowZero ? " (or 0)" : "")}, not '{text}'");
    }

    /// <summary>An absolute http(s) URL; plain http only on loopback unless <paramref name="allowInsecureHttp"/>.</summary>
    public Uri? Url(string key, bool required, bool allowInsecureHttp, string what)
    {
        var text = required ? RequiredString(key) : NonEmptyString(key);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(url.Host))
        {
            throw Error(key, $"'{text}' is not an absolute http or https URL");
        }

        try
        {
            EndpointSecurity.EnsureAllowed(url, allowInsecureHttp, what);
        }
        catch (TokenkeeperConfigurationException ex)
        {
            throw Error(key, ex.Message);
        }

        return url;
    }

    public JsonSection RequiredObject(string key) =>
        _element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? new JsonSection(value, PathOf(key), _context)
            : throw Error(key, "is required");

    /// <summary>The object at <paramref name="key"/>, or null when it is absent or <c>null</c>.</summary>
    public JsonSection? OptionalObject(string key) =>
        _element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? new JsonSection(value, PathOf(key), _context) : null;

    public IEnumerable<(string Name, JsonElement Value)> Members() => _element.EnumerateObject().Select(p => (p.Name, p.Value));

    public JsonSection Child(string key, JsonElement value) => new(value, PathOf(key), _context);

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string '{value.GetString()}'",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };
}
