using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Infrastructure;

public static class Logging
{
    /// <summary>Console logging to stderr; level from HDROFX_LOG (trace, debug, information, warning, error), default information.</summary>
    public static ILoggerFactory Create()
    {
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("HDROFX_LOG"), true, out var l) ? l : LogLevel.Information;
        return LoggerFactory.Create(b => b
            .SetMinimumLevel(level)
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
    }
}
