namespace HdrOfx.Cli.Infrastructure;

/// <summary>A user-facing failure: printed as one line, exit code 1.</summary>
public sealed class CliError(string message) : Exception(message);
