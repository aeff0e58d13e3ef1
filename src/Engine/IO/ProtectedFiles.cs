namespace HdrOfx.Engine.IO;

/// <summary>
/// Files that must never be written over (a run's inputs), compared as real files: by full path and by
/// <see cref="FileIdentity"/>, so a symbolic link to an input's folder, a link to an input file or a hard link is caught.
/// </summary>
public sealed class ProtectedFiles
{
    private readonly Dictionary<FileIdentity, string> _ids = new();
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);

    public ProtectedFiles(IEnumerable<string> paths)
    {
        foreach (var p in paths)
        {
            _paths.TryAdd(Path.GetFullPath(p), p);
            if (FileIdentity.Of(p) is { } id) _ids.TryAdd(id, p);
        }
    }

    public bool IsEmpty => _paths.Count == 0;

    /// <summary>The protected file that <paramref name="path"/> names, or null.</summary>
    public string? Match(string path)
    {
        if (_paths.TryGetValue(Path.GetFullPath(path), out var same)) return same;
        return FileIdentity.Of(path) is { } id && _ids.TryGetValue(id, out var input) ? input : null;
    }

    /// <summary>Throws <see cref="IOException"/> when <paramref name="path"/> names a protected file.</summary>
    public void Refuse(string path)
    {
        if (Match(path) is not { } input) return;
        string how = string.Equals(Path.GetFullPath(path), Path.GetFullPath(input), StringComparison.Ordinal) ? "" : $" ('{path}' is the same file as '{input}')";
        throw new IOException($"refusing to overwrite input file '{input}'{how}");
    }
}
