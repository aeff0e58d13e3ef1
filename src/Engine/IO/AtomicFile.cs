namespace HdrOfx.Engine.IO;

/// <summary>
/// Writes a file so that readers see either the old state or the complete new file, never a partial one:
/// the content goes to a temporary file beside the target, then a rename puts it in place.
/// Refuses to write over any path in <paramref name="protectedInputs"/>.
/// </summary>
public static class AtomicFile
{
    /// <summary>Throws <see cref="IOException"/> when <paramref name="path"/> names one of <paramref name="protectedInputs"/> (as a real file: <see cref="ProtectedFiles"/>).</summary>
    public static void RefuseToOverwrite(string path, IEnumerable<string>? protectedInputs)
    {
        if (protectedInputs is not null) new ProtectedFiles(protectedInputs).Refuse(path);
    }

    public static void Write(string path, Action<string> writeTemp, IEnumerable<string>? protectedInputs = null)
    {
        RefuseToOverwrite(path, protectedInputs);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"output directory '{dir}' does not exist");
        string tmp = TempFiles.Beside(full);
        try
        {
            writeTemp(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    public static void WriteBytes(string path, ReadOnlySpan<byte> bytes, IEnumerable<string>? protectedInputs = null)
    {
        byte[] copy = bytes.ToArray();
        Write(path, tmp => File.WriteAllBytes(tmp, copy), protectedInputs);
    }

    public static void WriteText(string path, string text, IEnumerable<string>? protectedInputs = null) =>
        Write(path, tmp => File.WriteAllText(tmp, text), protectedInputs);
}
