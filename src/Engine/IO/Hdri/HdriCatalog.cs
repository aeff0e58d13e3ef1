using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Engine.IO.Hdri;

/// <summary>One cached panorama.</summary>
public sealed record HdriEntry(string Name, string Path, int Width, int Height);

/// <summary>
/// The 18 CC0 HDR panoramas of the npm package <c>@pmndrs/assets@1.7.0</c> (<c>hdri/*.exr.js</c>: ES
/// modules whose default export is a <c>data:application/exr;base64,…</c> string holding a 512×256 half
/// DWAB EXR). <see cref="EnsureAll"/> fetches the package once with <c>npm pack</c> (run as a child
/// process in a temporary folder), unpacks it with System.Formats.Tar and writes
/// <c>&lt;cache&gt;/hdri/&lt;name&gt;.exr</c> atomically. The cache is <c>$HDROFX_CACHE</c>, else
/// <c>$XDG_CACHE_HOME/hdrofx</c>, else <c>~/.cache/hdrofx</c>. Concurrent callers, in this process or
/// others, serialize on an exclusive lock file; files appear only complete (temp file + rename).
/// </summary>
public static partial class HdriCatalog
{
    public const string Package = "@pmndrs/assets@1.7.0";

    /// <summary>The panorama names, sorted.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "apartment", "bridge", "city", "dawn", "esplanade", "forest", "hall", "lab", "lobby",
        "night", "park", "sky", "studio", "sunrise", "sunset", "venice", "warehouse", "workshop",
    ];

    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The cache root as the environment says now (see class remarks).</summary>
    public static string CacheRoot() => ResolveCacheRoot(Environment.GetEnvironmentVariable,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string ResolveCacheRoot(Func<string, string?> env, string home)
    {
        string? v = env("HDROFX_CACHE");
        if (!string.IsNullOrWhiteSpace(v)) return Path.GetFullPath(v);
        string? xdg = env("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return Path.GetFullPath(Path.Combine(xdg, "hdrofx"));
        if (string.IsNullOrEmpty(home)) throw new HdriFetchException("cannot place the HDRI cache: no HDROFX_CACHE, XDG_CACHE_HOME or home directory");
        return Path.Combine(home, ".cache", "hdrofx");
    }

    /// <summary>Where <paramref name="name"/> is (or will be) cached.</summary>
    public static string PathOf(string name) => Path.Combine(CacheRoot(), "hdri", CheckName(name) + ".exr");

    /// <summary>Fetches what is missing and returns every panorama, sorted by name. Idempotent: once
    /// cached, no npm run happens. Throws <see cref="HdriFetchException"/> when npm is missing, offline
    /// or the package is not as expected.</summary>
    public static IReadOnlyList<HdriEntry> EnsureAll(ILogger? log = null) =>
        EnsureAll(CacheRoot(), Environment.GetEnvironmentVariable("HDROFX_NPM") is { Length: > 0 } npm ? npm : DefaultNpm(), log);

    /// <summary>Decodes a cached panorama (fetching the set first when it is missing).</summary>
    public static ImageF Load(string name)
    {
        string path = PathOf(name);
        if (!File.Exists(path)) EnsureAll();
        return ExrReader.Read(path);
    }

    internal static IReadOnlyList<HdriEntry> EnsureAll(string cacheRoot, string npm, ILogger? log)
    {
        string dir = Path.Combine(cacheRoot, "hdri");
        Directory.CreateDirectory(dir);
        if (Missing(dir).Count > 0)
        {
            using var lk = AcquireLock(Path.Combine(dir, ".lock"), log);
            var missing = Missing(dir); // another process may have fetched while we waited
            if (missing.Count > 0)
            {
                // Holding the lock, no other fetch is running: work folders left by a killed one can go.
                foreach (var stale in Directory.GetDirectories(dir, ".npm-*"))
                    try { Directory.Delete(stale, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                log?.LogInformation("HDRI cache {Dir}: fetching {Count} panoramas from npm package {Package}", dir, missing.Count, Package);
                Fetch(dir, npm, missing, log);
            }
        }
        var list = new List<HdriEntry>(Names.Count);
        foreach (var n in Names)
        {
            string p = Path.Combine(dir, n + ".exr");
            var info = ExrReader.ReadInfo(p);
            list.Add(new HdriEntry(n, p, info.Width, info.Height));
        }
        return list;
    }

    private static List<string> Missing(string dir) =>
        Names.Where(n => !File.Exists(Path.Combine(dir, n + ".exr"))).ToList();

    private static string CheckName(string name)
    {
        if (!Names.Contains(name)) throw new ArgumentException($"unknown HDRI '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        return name;
    }

    private static string DefaultNpm() => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>An exclusive lock held by an open file (flock on Unix, share mode on Windows); released when
    /// the process dies, so a crashed fetch never blocks the next one.</summary>
    private static FileStream AcquireLock(string path, ILogger? log)
    {
        var sw = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (sw.Elapsed < LockTimeout)
            {
                if (!told) { log?.LogInformation("HDRI cache: waiting for another fetch ({Lock})", path); told = true; }
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                throw new HdriFetchException($"HDRI cache lock '{path}' still held after {LockTimeout.TotalMinutes} min: {e.Message}", e);
            }
        }
    }

    private static void Fetch(string dir, string npm, List<string> wanted, ILogger? log)
    {
        string work = Path.Combine(dir, $".npm-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            string tgz = RunNpmPack(npm, work, log);
            int written = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            using (var fs = File.OpenRead(tgz))
            using (var gz = new GZipStream(fs, CompressionMode.Decompress))
            using (var tar = new TarReader(gz))
            {
                TarEntry? e;
                while ((e = tar.GetNextEntry()) is not null)
                {
                    if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || e.DataStream is null) continue;
                    var m = EntryName().Match(e.Name);
                    if (!m.Success) continue;
                    string name = m.Groups[1].Value;
                    if (!Names.Contains(name)) continue;
                    seen.Add(name);
                    if (!wanted.Contains(name)) continue;
                    using var ms = new MemoryStream();
                    e.DataStream.CopyTo(ms);
                    byte[] exr = DecodeModule(Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length), e.Name);
                    AtomicFile.WriteBytes(Path.Combine(dir, name + ".exr"), exr);
                    written++;
                }
            }
            var absent = wanted.Where(n => !seen.Contains(n)).ToList();
            if (absent.Count > 0)
                throw new HdriFetchException($"npm package {Package} lacks hdri/{string.Join(", hdri/", absent.Select(a => a + ".exr.js"))}");
            log?.LogInformation("HDRI cache {Dir}: wrote {Count} panoramas", dir, written);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The EXR bytes inside <c>export default 'data:application/exr;base64,…'</c>.</summary>
    internal static byte[] DecodeModule(string js, string where)
    {
        var m = ModuleBody().Match(js);
        if (!m.Success) throw new HdriFetchException($"{where}: not the expected 'export default \"data:application/exr;base64,...\"' module");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(m.Groups[1].Value); }
        catch (FormatException e) { throw new HdriFetchException($"{where}: bad base64: {e.Message}", e); }
        if (bytes.Length < 8 || bytes[0] != 0x76 || bytes[1] != 0x2f || bytes[2] != 0x31 || bytes[3] != 0x01)
            throw new HdriFetchException($"{where}: decoded data is not an OpenEXR file");
        return bytes;
    }

    private static string RunNpmPack(string npm, string work, ILogger? log)
    {
        var psi = new ProcessStartInfo(npm)
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pack", Package, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error" }) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new HdriFetchException($"could not start '{npm}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HdriFetchException($"npm is needed to fetch the HDRI panoramas ({Package}) but '{npm}' could not be run: {e.Message}. Install Node.js/npm or set HDROFX_NPM.", e);
        }
        using (p)
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(NpmTimeout))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new HdriFetchException($"'{npm} pack {Package}' did not finish within {NpmTimeout.TotalMinutes} min (offline or registry unreachable?)");
            }
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                string err = (stderr.Result + " " + stdout.Result).Replace('\n', ' ').Trim();
                if (err.Length > 500) err = err[..500] + "...";
                throw new HdriFetchException($"'{npm} pack {Package}' failed with exit code {p.ExitCode} (offline or registry unreachable?): {err}");
            }
            log?.LogDebug("npm pack: {Out}", stdout.Result.Trim());
        }
        var tgz = Directory.GetFiles(work, "*.tgz");
        if (tgz.Length != 1) throw new HdriFetchException($"'{npm} pack {Package}' produced {tgz.Length} archives in {work}, expected 1");
        return tgz[0];
    }

    [GeneratedRegex(@"^(?:\./)?package/hdri/([a-z0-9_-]+)\.exr\.js$")]
    private static partial Regex EntryName();

    [GeneratedRegex(@"^\s*export\s+default\s+['""](?:data:application/exr;base64,)?([A-Za-z0-9+/=]+)['""]\s*;?\s*$")]
    private static partial Regex ModuleBody();
}
