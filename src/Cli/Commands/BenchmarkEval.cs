using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>The synthetic benchmark: wired up once the synthesis module lands (work in progress).</summary>
public static class BenchmarkEval
{
    public static int Run(string outDir, int clips, ILoggerFactory logs, CancellationToken cancel) =>
        throw new Infrastructure.CliError("the synthetic benchmark is not wired up yet");
}
