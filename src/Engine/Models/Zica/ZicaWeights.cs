using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// Saving and loading the ZiCA module (zica.safetensors; metadata "config", and "tcam_config" / "ldm_config": the
/// frozen models it was trained over), and the process-wide `hdr-v-diff` model: the shared TCAM and HDR-LDM models
/// plus the ZiCA module, all from the models folder (<see cref="TcamWeights.Directory"/>), loaded once, lazily and
/// thread-safely.
/// </summary>
public static class ZicaWeights
{
    public const string FileName = "zica.safetensors";

    private static readonly object Gate = new();
    private static (string Dir, Lazy<HdrVDiff> Model)? _shared;

    public static HdrVDiff Shared()
    {
        Lazy<HdrVDiff> lazy;
        lock (Gate)
        {
            string dir = TcamWeights.Directory ?? throw new ModelWeightsException($"the hdr-v-diff method needs its weights ({TcamWeights.FileName}, {LdmWeights.FileName}, {FileName}) but no models folder is set (--models DIR)");
            if (_shared is not { } s || s.Dir != dir)
                _shared = s = (dir, new Lazy<HdrVDiff>(() =>
                {
                    var tcam = TcamWeights.Shared();
                    var ldm = LdmWeights.Shared();
                    return new HdrVDiff(tcam, ldm, Load(Path.Combine(dir, FileName), tcam, ldm));
                }, LazyThreadSafetyMode.ExecutionAndPublication));
            lazy = s.Model;
        }
        try { return lazy.Value; }
        catch
        {
            lock (Gate) if (_shared is { } s && ReferenceEquals(s.Model, lazy)) _shared = null;
            throw;
        }
    }

    public static void Save(ZicaModule module, TcamConfig tcam, LdmConfig ldm, string path, DType dtype, IReadOnlyDictionary<string, string>? extra = null)
    {
        var meta = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["config"] = module.Config.Name, ["config_fields"] = module.Config.Describe(), ["tcam_config"] = tcam.Name, ["ldm_config"] = ldm.Name,
            ["prior_gain"] = module.PriorGain.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        };
        Safetensors.Save(module, path, dtype, meta);
    }

    /// <summary>Loads a module trained over <paramref name="tcam"/> and <paramref name="ldm"/>; every failure names the file.</summary>
    public static ZicaModule Load(string path, TcamNet tcam, HdrLdm ldm)
    {
        if (!File.Exists(path)) throw new ModelWeightsException($"ZiCA weights '{path}' not found");
        SafetensorsFile file;
        try { file = Safetensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelWeightsException($"ZiCA weights '{path}' cannot be read: {e.Message}", e);
        }
        using (file)
        {
            string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v : throw new ModelWeightsException($"ZiCA weights '{path}' have no \"{key}\" metadata");
            ZicaConfig cfg;
            try { cfg = ZicaConfig.Parse(Meta("config")); }
            catch (ArgumentException e) { throw new ModelWeightsException($"ZiCA weights '{path}': {e.Message}", e); }
            if (Meta("tcam_config") != tcam.Config.Name || Meta("ldm_config") != ldm.Config.Name)
                throw new ModelWeightsException($"ZiCA weights '{path}' were trained over TCAM '{Meta("tcam_config")}' and HDR-LDM '{Meta("ldm_config")}', not '{tcam.Config.Name}' and '{ldm.Config.Name}'");
            var module = new ZicaModule(cfg, tcam.Config, ldm.Config, new Rng(0));
            try { module.LoadStateDict(file.Tensors, strict: true, source: path); }
            catch (Exception e) when (e is StateDictMismatchException or ArgumentException)
            {
                module.Dispose();
                throw new ModelWeightsException($"ZiCA weights '{path}' do not fit the '{cfg.Name}' module: {e.Message}", e);
            }
            // Exports made before the prior skip existed carry no gain: they add nothing through it, as a new module.
            if (file.Metadata.TryGetValue("prior_gain", out var g))
            {
                if (!float.TryParse(g, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float gain) || gain is not (>= 0f and <= 1f))
                {
                    module.Dispose();
                    throw new ModelWeightsException($"ZiCA weights '{path}': prior_gain \"{g}\" is not a number from 0 to 1");
                }
                module.PriorGain = gain;
            }
            module.Eval();
            return module;
        }
    }
}
