namespace Tokenkeeper.Simulator;

/// <summary>A command line or config file the simulator cannot run with; the message says what and how to fix it.</summary>
public sealed class SimulatorUsageException : Exception
{
    /// <summary>Creates the exception with a message for the user.</summary>
    public SimulatorUsageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the user and the underlying cause.</summary>
    public SimulatorUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SimulatorUsageException()
        : base("invalid simulator command line")
    {
    }
}
