namespace Tokenkeeper.Sync;

/// <summary>What a job id may contain: it travels in HTTP headers and file names.</summary>
internal static class JobIds
{
    public static bool IsValid(string id) =>
        id.Length is > 0 and <= SyncConstants.MaxJobIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
