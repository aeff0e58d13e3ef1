using System.Runtime.InteropServices;

namespace HdrOfx.Engine.IO;

/// <summary>
/// A file's (device, inode): the same for every path that names the file, through symbolic links, hard links and
/// different spellings alike. On Windows, where there is no stat, the identity is the full path.
/// </summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode, string? FullPath)
{
    /// <summary>The identity of the file <paramref name="path"/> names (links followed); null when it does not exist.</summary>
    public static FileIdentity? Of(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (OperatingSystem.IsWindows()) return File.Exists(full) ? new FileIdentity(0, 0, full.ToUpperInvariant()) : null;
        Span<byte> st = stackalloc byte[512];
        int rc = Stat(full, st);
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return null;
            throw new IOException($"cannot examine '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        // struct stat opens with st_dev then st_ino at offset 8 on Linux x86-64 and arm64 (st_dev 8 bytes) and on
        // macOS (st_dev 4 bytes, st_mode and st_nlink 2 each).
        ulong dev = OperatingSystem.IsMacOS() ? MemoryMarshal.Read<uint>(st) : MemoryMarshal.Read<ulong>(st);
        return new FileIdentity(dev, MemoryMarshal.Read<ulong>(st[8..]), null);
    }

    private const int ENOENT = 2, ENOTDIR = 20;
    private static bool s_noStatExport;

    private static unsafe int Stat(string path, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            if (!s_noStatExport)
            {
                // glibc exports stat only from 2.33 on; older ones have __xstat.
                try { return stat(path, b); }
                catch (EntryPointNotFoundException) { s_noStatExport = true; }
            }
            return __xstat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, b);
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int stat(string path, byte* buf);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int __xstat(int version, string path, byte* buf);
}
