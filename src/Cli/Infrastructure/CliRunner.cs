using HdrOfx.Engine.IO;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// Runs a command body and turns every expected failure into one line on stderr and exit code 1.
/// Unexpected exceptions also give one line (plus the stack with HDROFX_DEBUG=1) and exit code 70.
/// </summary>
public static class CliRunner
{
    public const int Ok = 0, Failed = 1, Internal = 70;

    public static int Run(string command, Func<ILoggerFactory, CancellationToken, int> body)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var logs = Logging.Create();
        try
        {
            return body(logs, cts.Token);
        }
        catch (Exception e) when (e is CliError or ImageIOException or IOException or ArgumentException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"hdrofx {command}: error: {OneLine(e.Message)}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"hdrofx {command}: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"hdrofx {command}: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("HDROFX_DEBUG") == "1") Console.Error.WriteLine(e);
            return Internal;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
