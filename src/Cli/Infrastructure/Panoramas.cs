using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Hdri;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>The 18 CC0 panoramas, fetched and cached on first use, loaded in name order.</summary>
public static class Panoramas
{
    public static (IReadOnlyList<string> Names, IReadOnlyList<ImageF> Images) LoadAll(ILogger log)
    {
        var entries = HdriCatalog.EnsureAll(log);
        var images = entries.Select(e => HdriCatalog.Load(e.Name)).ToArray();
        return (entries.Select(e => e.Name).ToArray(), images);
    }

    public static ImageF Load(string name, ILogger log)
    {
        var entries = HdriCatalog.EnsureAll(log);
        if (!entries.Any(e => e.Name == name))
            throw new CliError($"unknown panorama '{name}'; available: {string.Join(", ", entries.Select(e => e.Name))}");
        return HdriCatalog.Load(name);
    }
}
