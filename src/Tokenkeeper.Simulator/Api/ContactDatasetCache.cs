namespace Tokenkeeper.Simulator;

/// <summary>The dataset for the current <c>seed</c> and <c>contacts</c> dials, rebuilt when either changes.</summary>
internal sealed class ContactDatasetCache(SimulatorOptions options)
{
    private ContactDataset? _current;

    public ContactDataset Current
    {
        get
        {
            var current = _current;
            if (current is not null && current.Seed == options.Seed && current.Count == options.Contacts)
            {
                return current;
            }

            current = new ContactDataset(options.Seed, Math.Max(0, options.Contacts));
            _current = current;
            return current;
        }
    }
}
