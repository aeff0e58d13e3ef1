using System.CommandLine;

namespace HdrOfx.Cli.Commands;

public static class BenchCommand
{
    public static Command Create() => new("bench", "(being built)");
}
