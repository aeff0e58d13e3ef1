using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Plugin.Testing;

/// <summary>
/// Deterministic reconstruction methods for the in-repo test host, registered only when the
/// environment variable HDROFX_TEST_METHODS=1 is set when the plug-in loads (never in a normal
/// host). The same file is compiled into tests/Plugin.Tests so plug-in and test compute alike.
/// </summary>
public static class TestMethods
{
    public const string EnvVar = "HDROFX_TEST_METHODS";
    public const string Merge = "test-merge";
    public const string Throw = "test-throw";

    public static void RegisterIfRequested()
    {
        if (Environment.GetEnvironmentVariable(EnvVar) == "1") Register();
    }

    public static void Register()
    {
        Reconstructor.Register(Merge, static () => new MergeMethod(), ExposureInput.Any);
        Reconstructor.Register(Throw, static () => new ThrowMethod());
    }

    /// <summary>Per-pixel average of every available frame's Linear / 2^Ev; saturation = reference outside (0.02, 0.98).</summary>
    public sealed class MergeMethod : IReconstructionMethod
    {
        public string Name => Merge;

        public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
        {
            var r = frames[refIndex]!;
            int w = r.Linear.Width, h = r.Linear.Height, n = w * h;
            var hdr = new ImageF(w, h, 3);
            var count = 0;
            foreach (var f in frames)
            {
                if (f is null) continue;
                count++;
                float inv = (float)(1.0 / f.Exposure);
                for (int c = 0; c < 3; c++)
                {
                    var src = f.Linear.Plane(c);
                    var dst = hdr.Plane(c);
                    for (int i = 0; i < n; i++) dst[i] += src[i] * inv;
                }
            }
            float k = 1f / count;
            for (int i = 0; i < hdr.Data.Length; i++) hdr.Data[i] *= k;
            ImageF? sat = null, conf = null;
            if (options.Diagnostics)
            {
                sat = new ImageF(w, h, 1);
                conf = new ImageF(w, h, 1);
                var g = r.Linear.Plane(1);
                for (int i = 0; i < n; i++)
                {
                    sat.Data[i] = g[i] is > 0.98f or < 0.02f ? 1f : 0f;
                    conf.Data[i] = count / (float)frames.Count;
                }
            }
            return new ReconstructResult(hdr, sat, conf);
        }
    }

    /// <summary>Always throws: fault injection for "an exception inside the engine".</summary>
    public sealed class ThrowMethod : IReconstructionMethod
    {
        public string Name => Throw;

        public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel) =>
            throw new InvalidOperationException("test-throw: injected engine failure");
    }
}
