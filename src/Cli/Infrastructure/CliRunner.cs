using System.Runtime.InteropServices;
using HdrOfx.Engine.IO;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// Runs a command body and turns every expected failure into one line on stderr and exit code 1.
/// Unexpected exceptions also give one line (plus the stack with HDROFX_DEBUG=1) and exit code 70.
/// SIGINT, SIGTERM and SIGHUP cancel the body (which cleans up as it unwinds) and exit with 128 + the signal number;
/// a second signal ends the process at once.
/// </summary>
public static class CliRunner
{
    public const int Ok = 0, Failed = 1, Internal = 70;

    public static int Run(string command, Func<ILoggerFactory, CancellationToken, int> body)
    {
        using var cts = new CancellationTokenSource();
        int signal = 0;
        void OnSignal(PosixSignalContext c)
        {
            // The first signal cancels (the body cleans up); a second one takes its default action, ending the process.
            if (Interlocked.CompareExchange(ref signal, SignalNumber(c.Signal), 0) != 0) return;
            c.Cancel = true;
            cts.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        using var logs = Logging.Create();
        try
        {
            return body(logs, cts.Token);
        }
        catch (Exception e) when (e is CliError or ImageIOException or IOException or ArgumentException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"hdrofx {command}: error: {OneLine(PlainMessage(e))}");
            return Failed;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            int s = Volatile.Read(ref signal);
            Console.Error.WriteLine($"hdrofx {command}: cancelled{(s != 0 ? $" (signal {s})" : "")}");
            return 128 + (s != 0 ? s : 2);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"hdrofx {command}: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("HDROFX_DEBUG") == "1") Console.Error.WriteLine(e);
            return Internal;
        }
    }

    private static int SignalNumber(PosixSignal s) => s switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGTERM => 15,
        _ => 2,
    };

    /// <summary>The message without .NET's " (Parameter 'name')" suffix, which means nothing to a user.</summary>
    private static string PlainMessage(Exception e)
    {
        if (e is not ArgumentException { ParamName: { } name } a) return e.Message;
        string suffix = $" (Parameter '{name}')";
        string m = a.Message;
        int at = m.IndexOf(suffix, StringComparison.Ordinal);
        return at >= 0 ? m.Remove(at, suffix.Length) : m;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
