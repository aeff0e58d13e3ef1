using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models;

/// <summary>
/// Saving and loading TCAM weights: a safetensors file whose metadata "config" names the <see cref="TcamConfig"/>,
/// and the process-wide store the `tcam` method reads from, loaded once, lazily and thread-safely.
/// </summary>
public static class TcamWeights
{
    public const string FileName = "tcam.safetensors";

    private static readonly object Gate = new();
    private static string? _directory;
    private static Lazy<TcamNet>? _shared;

    /// <summary>
    /// Where the shared model is read from (<see cref="FileName"/> inside it). The CLI sets `--models DIR` or the
    /// folder beside its executable; the plug-in its bundle's Resources/models. Setting it drops a loaded model.
    /// </summary>
    public static string? Directory
    {
        get { lock (Gate) return _directory; }
        set
        {
            lock (Gate)
            {
                if (_directory == value) return;
                _directory = value;
                _shared = null;
            }
        }
    }

    /// <summary>The shared model, loaded on first use; a failed load is retried on the next call.</summary>
    public static TcamNet Shared()
    {
        Lazy<TcamNet> lazy;
        lock (Gate)
        {
            string dir = _directory ?? throw new ModelWeightsException($"the tcam method needs its weights ({FileName}) but no models folder is set (--models DIR)");
            lazy = _shared ??= new Lazy<TcamNet>(() => Load(Path.Combine(dir, FileName)), LazyThreadSafetyMode.ExecutionAndPublication);
        }
        try { return lazy.Value; }
        catch
        {
            lock (Gate) if (ReferenceEquals(_shared, lazy)) _shared = null;
            throw;
        }
    }

    public static void Save(TcamNet net, string path, DType dtype, IReadOnlyDictionary<string, string>? extra = null)
    {
        var meta = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { ["config"] = net.Config.Name, ["config_fields"] = net.Config.Describe() };
        Safetensors.Save(net, path, dtype, meta);
    }

    /// <summary>Loads a model (strict); every failure is a <see cref="ModelWeightsException"/> naming the file.</summary>
    public static TcamNet Load(string path)
    {
        if (!File.Exists(path)) throw new ModelWeightsException($"TCAM weights '{path}' not found");
        SafetensorsFile file;
        try { file = Safetensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelWeightsException($"TCAM weights '{path}' cannot be read: {e.Message}", e);
        }
        using (file)
        {
            if (!file.Metadata.TryGetValue("config", out var name))
                throw new ModelWeightsException($"TCAM weights '{path}' have no \"config\" metadata");
            TcamConfig cfg;
            try { cfg = TcamConfig.Parse(name); }
            catch (ArgumentException e) { throw new ModelWeightsException($"TCAM weights '{path}': {e.Message}", e); }
            var net = new TcamNet(cfg, new Rng(0));
            try { net.LoadStateDict(file.Tensors, strict: true, source: path); }
            catch (Exception e) when (e is StateDictMismatchException or ArgumentException)
            {
                net.Dispose();
                throw new ModelWeightsException($"TCAM weights '{path}' do not fit the '{name}' model: {e.Message}", e);
            }
            net.Eval();
            return net;
        }
    }
}
