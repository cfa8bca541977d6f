namespace Tokenkeeper.Simulator;

/// <summary>
/// A fault that acts after the request was processed (<c>drop-after</c>, <c>truncated</c>), attached to the request
/// as a feature and applied by <see cref="Responses.WriteAsync"/> to whatever response the handler produced.
/// </summary>
internal sealed class PendingFault(FaultSpec spec)
{
    public FaultSpec Spec => spec;
}
