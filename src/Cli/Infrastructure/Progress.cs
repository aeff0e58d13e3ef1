using Spectre.Console;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>A Spectre.Console progress bar on stderr when it is a terminal; silent otherwise (CI, pipes).</summary>
public static class Progress
{
    public static void Run(string title, int total, Action<IProgress<int>> work)
    {
        if (Console.IsErrorRedirected || total <= 1)
        {
            work(new Progress<int>(_ => { }));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                work(new SyncProgress(_ => task.Increment(1)));
            });
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
