using System.CommandLine;

namespace HdrOfx.Cli.Commands;

public static class DemoCommand
{
    public static Command Create() => new("demo", "(being built)");
}
