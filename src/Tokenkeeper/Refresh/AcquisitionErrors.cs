namespace Tokenkeeper.Refresh;

/// <summary>The typed failures callers are promised (<see cref="TokenAcquisitionException"/> and its kinds) for what is not an
/// answer from the provider: a manager that is stopping, and anything unexpected found on the way.</summary>
internal static class AcquisitionErrors
{
    /// <summary>What a caller gets for a refresh the stopping manager did not start (or stopped before it sent anything).</summary>
    public static TokenAcquisitionException Stopping(string connectionId) =>
        new(connectionId, $"Connection '{connectionId}': Tokenkeeper is stopping; no new refresh is started (a token request already sent is finished and committed first).", null, null, FailureCause.Infrastructure);

    /// <summary>Wraps what is not a <see cref="TokenAcquisitionException"/> already (a store failure, a configuration mistake found
    /// late), keeping the cause.</summary>
    public static TokenAcquisitionException Typed(string connectionId, Exception ex) => ex switch
    {
        TokenAcquisitionException typed => typed,
        TokenkeeperConfigurationException => new TokenAcquisitionException(connectionId, $"Connection '{connectionId}' is misconfigured: {ex.Message}", null, ex, FailureCause.ClientConfiguration),
        Storage.SecretProtectionException => new TokenAcquisitionException(connectionId, KeyMismatch(connectionId, ex.Message), null, ex, FailureCause.Infrastructure),
        Storage.TokenStoreException or System.Data.Common.DbException or IOException =>
            new TokenStoreUnavailableException(connectionId, $"Connection '{connectionId}': the token store failed ({ex.GetType().Name}: {ex.Message}).", ex),
        _ => new TokenAcquisitionException(connectionId, $"Connection '{connectionId}': unexpected failure ({ex.GetType().Name}: {ex.Message}).", null, ex, FailureCause.Infrastructure),
    };

    /// <summary>A store whose secrets this process cannot decrypt: not a store outage (waiting does not help) but the wrong key.</summary>
    public static string KeyMismatch(string connectionId, string detail) =>
        $"Connection '{connectionId}': " + Storage.EncryptionKeys.MismatchAdvice(detail, $"named by {Storage.StorageConstants.KeyFileEnvironmentVariable}");
}
