using Tokenkeeper.Protocol;

namespace Tokenkeeper.Sync;

/// <summary>A paged source API, read through a managed connection.</summary>
public sealed record SyncSource
{
    /// <summary>The connection whose tokens the reads carry.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>The first page's URL (https, or http on loopback). Query parameters already in it are kept.</summary>
    public required Uri Url { get; init; }

    /// <summary>Dotted path of the records array in a page (<c>items</c>, <c>data.records</c>); null: the page is itself the
    /// array. Default <see cref="SyncConstants.DefaultItemsField"/>.</summary>
    public string? ItemsField { get; init; } = SyncConstants.DefaultItemsField;

    /// <summary>How the next page is found. Default <see cref="PaginationMode.Cursor"/>.</summary>
    public PaginationMode Pagination { get; init; } = PaginationMode.Cursor;

    /// <summary>Dotted path of the next cursor in a page (<see cref="PaginationMode.Cursor"/>).</summary>
    public string? CursorField { get; init; }

    /// <summary>The query parameter that carries the cursor (<see cref="PaginationMode.Cursor"/>).</summary>
    public string? CursorParam { get; init; }

    /// <summary>Dotted path of the next page's URL in a page (<see cref="PaginationMode.NextUrl"/>).</summary>
    public string? NextField { get; init; }

    /// <summary>The query parameter that carries <see cref="PageSize"/>; null: none is sent and the source picks.</summary>
    public string? LimitParam { get; init; }

    /// <summary>Records asked for per page. Default <see cref="SyncConstants.DefaultPageSize"/>.</summary>
    public int PageSize { get; init; } = SyncConstants.DefaultPageSize;

    /// <summary>Dotted path of the total record count in a page, if the source states one (only used to show progress).</summary>
    public string? TotalField { get; init; }

    /// <summary>Allow plain http off loopback (test environments only): bearer tokens would cross the network in clear. Default false.</summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> when the source is incompletely described.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Url);
        EndpointSecurity.EnsureAllowed(Url, AllowInsecureHttp, "source URL");
        if (PageSize is < 1 or > SyncConstants.MaxPageOrBatchSize)
        {
            throw new TokenkeeperConfigurationException($"The source page size must be 1 to {SyncConstants.MaxPageOrBatchSize}.");
        }

        var complete = Pagination switch
        {
            PaginationMode.Cursor => !string.IsNullOrEmpty(CursorField) && !string.IsNullOrEmpty(CursorParam),
            PaginationMode.NextUrl => !string.IsNullOrEmpty(NextField),
            _ => true,
        };
        if (!complete)
        {
            throw new TokenkeeperConfigurationException($"{Pagination} pagination needs {(Pagination == PaginationMode.Cursor ? "a cursor field and a cursor parameter" : "a next-URL field")}.");
        }

        if (ItemsField is null && Pagination != PaginationMode.LinkHeader)
        {
            throw new TokenkeeperConfigurationException("A source whose pages are bare arrays can only paginate with Link headers.");
        }
    }
}
