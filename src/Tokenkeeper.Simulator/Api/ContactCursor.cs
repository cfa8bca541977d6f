using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>The opaque paging cursor of <c>GET /api/contacts</c>: base64url of <c>v1:{offset}</c>.</summary>
internal static class ContactCursor
{
    private const string Prefix = "v1:";

    public static string Encode(int offset) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Prefix + offset.ToString(CultureInfo.InvariantCulture)));

    public static bool TryDecode(string cursor, int total, out int offset)
    {
        offset = 0;
        string text;
        try
        {
            text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return false;
        }

        return text.StartsWith(Prefix, StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out offset)
            && offset <= total;
    }
}
