using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// Saving and loading HDR-LDM weights (one safetensors file with "autoencoder.*" and "denoiser.*", metadata
/// "config"), and the process-wide model the `hdr-ldm` method reads, loaded once, lazily and thread-safely from the
/// same models folder as TCAM's (<see cref="TcamWeights.Directory"/>).
/// </summary>
public static class LdmWeights
{
    public const string FileName = "hdr-ldm.safetensors";

    private static readonly object Gate = new();
    private static (string Dir, Lazy<HdrLdm> Model)? _shared;

    /// <summary>The shared model, loaded on first use; a failed load is retried on the next call.</summary>
    public static HdrLdm Shared()
    {
        Lazy<HdrLdm> lazy;
        lock (Gate)
        {
            string dir = TcamWeights.Directory ?? throw new ModelWeightsException($"the hdr-ldm method needs its weights ({FileName}) but no models folder is set (--models DIR)");
            if (_shared is not { } s || s.Dir != dir)
                _shared = s = (dir, new Lazy<HdrLdm>(() => Load(Path.Combine(dir, FileName)), LazyThreadSafetyMode.ExecutionAndPublication));
            lazy = s.Model;
        }
        try { return lazy.Value; }
        catch
        {
            lock (Gate) if (_shared is { } s && ReferenceEquals(s.Model, lazy)) _shared = null;
            throw;
        }
    }

    public static void Save(Module module, LdmConfig config, string path, DType dtype, IReadOnlyDictionary<string, string>? extra = null)
    {
        var meta = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { ["config"] = config.Name, ["config_fields"] = config.Describe() };
        Safetensors.Save(module, path, dtype, meta);
    }

    /// <summary>The metadata key of the DDIM start timestep the weights were validated with (<see cref="HdrLdm.SampleStart"/>; absent: T − 1).</summary>
    public const string SampleStartKey = "sample_start";

    /// <summary>Loads a whole model (strict); every failure is a <see cref="ModelWeightsException"/> naming the file.</summary>
    public static HdrLdm Load(string path)
    {
        using var file = Open(path, out var cfg);
        var net = new HdrLdm(cfg, new Rng(0));
        try
        {
            LoadInto(net, file, path, cfg);
            if (file.Metadata.TryGetValue(SampleStartKey, out var start))
            {
                if (!int.TryParse(start, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int t) || t >= net.Schedule.Timesteps)
                    throw new ModelWeightsException($"HDR-LDM weights '{path}': \"{SampleStartKey}\" is '{start}', not a timestep 0 to {net.Schedule.Timesteps - 1}");
                net.SampleStart = t;
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        net.Eval();
        return net;
    }

    /// <summary>Loads an autoencoder-only file (what `train --stage ae` exports) into <paramref name="ae"/>.</summary>
    public static LdmConfig LoadAutoencoder(LatentAutoencoder ae, string path, LdmConfig expected)
    {
        using var file = Open(path, out var cfg);
        if (!cfg.SameAutoencoder(expected)) throw new ModelWeightsException($"HDR-LDM weights '{path}' are config '{cfg.Name}', whose autoencoder is not config '{expected.Name}''s");
        LoadInto(ae, file, path, cfg);
        return cfg;
    }

    private static SafetensorsFile Open(string path, out LdmConfig cfg)
    {
        if (!File.Exists(path)) throw new ModelWeightsException($"HDR-LDM weights '{path}' not found");
        SafetensorsFile file;
        try { file = Safetensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelWeightsException($"HDR-LDM weights '{path}' cannot be read: {e.Message}", e);
        }
        try
        {
            if (!file.Metadata.TryGetValue("config", out var name)) throw new ModelWeightsException($"HDR-LDM weights '{path}' have no \"config\" metadata");
            try { cfg = LdmConfig.Parse(name); }
            catch (ArgumentException e) { throw new ModelWeightsException($"HDR-LDM weights '{path}': {e.Message}", e); }
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void LoadInto(Module m, SafetensorsFile file, string path, LdmConfig cfg)
    {
        try { m.LoadStateDict(file.Tensors, strict: true, source: path); }
        catch (Exception e) when (e is StateDictMismatchException or ArgumentException)
        {
            throw new ModelWeightsException($"HDR-LDM weights '{path}' do not fit the '{cfg.Name}' model: {e.Message}", e);
        }
    }
}
