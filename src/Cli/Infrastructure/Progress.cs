using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// Progress of a long run, each report one item done: a Spectre.Console bar with items/s and the time left on stderr when
/// it is a terminal; otherwise (CI, pipes, logs) a log line every <see cref="LogInterval"/> when a logger is given.
/// </summary>
public static class Progress
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    public static void Run(string title, int total, Action<IProgress<int>> work, ILogger? log = null, string unit = "items")
    {
        if (Console.IsErrorRedirected || total <= 1)
        {
            if (log is null || total <= 1) work(new Counter(_ => { }));
            else
            {
                var line = new LogLine(title, total, unit, log);
                work(new Counter(line.Step));
            }
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(unit), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                work(new Counter(_ => task.Increment(1)));
            });
    }

    /// <summary>"N/total (P %), R unit/s, ETA S s", at most once per interval.</summary>
    private sealed class LogLine(string title, int total, string unit, ILogger log)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _next = LogInterval;
        private int _done;

        public void Step(int _)
        {
            int done = Interlocked.Increment(ref _done);
            var now = _clock.Elapsed;
            if (now < _next && done < total) return;
            _next = now + LogInterval;
            double rate = done / Math.Max(now.TotalSeconds, 1e-9);
            log.LogInformation("{Title}: {Done}/{Total} ({Percent:0} %), {Rate:0.00} {Unit}/s, ETA {Eta:0} s",
                title, done, total, 100.0 * done / total, rate, unit, (total - done) / Math.Max(rate, 1e-9));
        }
    }

    private sealed class RateColumn(string unit) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } s ? $"{s:0.00} {unit}/s" : $"– {unit}/s");
    }

    private sealed class Counter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
