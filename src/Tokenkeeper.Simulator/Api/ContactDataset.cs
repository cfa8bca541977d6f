using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The deterministic contact dataset: contact <c>i</c> (ids <c>c-000001</c>…) is a pure function of the seed and
/// <c>i</c>, so two simulators with the same seed serve the same data. Each contact's JSON is built once, on
/// first use, and then served from memory.
/// </summary>
internal sealed class ContactDataset(int seed, int count)
{
    private static readonly string[] FirstNames =
        ["Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace", "Hedy", "Ivan", "Joan", "Ken",
         "Leslie", "Margaret", "Niklaus", "Ole", "Radia", "Shafi", "Tim", "Whitfield"];

    private static readonly string[] LastNames =
        ["Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper", "Lamarr", "Sutherland",
         "Clarke", "Thompson", "Lamport", "Hamilton", "Wirth", "Dahl", "Perlman", "Goldwasser", "Berners-Lee", "Diffie"];

    private static readonly string[] Companies =
        ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Soylent",
         "Tyrell", "Cyberdyne", "Aperture", "Vandelay Industries"];

    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly byte[]?[] _json = new byte[]?[count];

    public int Seed => seed;

    public int Count => count;

    /// <summary>The JSON object of contact <paramref name="index"/> (0-based).</summary>
    public byte[] Json(int index)
    {
        var cached = Volatile.Read(ref _json[index]);
        if (cached is not null)
        {
            return cached;
        }

        var built = Build(index);
        Volatile.Write(ref _json[index], built);
        return built;
    }

    public static string IdOf(int index) => "c-" + (index + 1).ToString("D6", CultureInfo.InvariantCulture);

    private byte[] Build(int index)
    {
        var hash = Mix(((ulong)(uint)seed << 32) | (uint)index);
        var first = FirstNames[(int)(hash % (ulong)FirstNames.Length)];
        var last = LastNames[(int)(hash / 31 % (ulong)LastNames.Length)];
        var company = Companies[(int)(hash / 977 % (ulong)Companies.Length)];
        var updated = Epoch.AddSeconds((double)(hash / 7919 % (365UL * 24 * 3600)));
        var id = IdOf(index);
        var domain = company.ToLowerInvariant().Replace(' ', '-') + ".example";
        var email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}.{index + 1}@{domain}";
        return JsonBody.Build((id, name: first + " " + last, email, company, updated), static (w, c) =>
        {
            w.WriteStartObject();
            w.WriteString("id", c.id);
            w.WriteString("name", c.name);
            w.WriteString("email", c.email);
            w.WriteString("company", c.company);
            w.WriteString("updated_at", c.updated.UtcDateTime);
            w.WriteEndObject();
        });
    }

    /// <summary>SplitMix64's finaliser: a cheap, well-spread hash of the seed and index.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
