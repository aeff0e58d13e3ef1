using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Plugin.Testing;

/// <summary>
/// Deterministic reconstruction methods for the in-repo test host. Compiled into the plug-in only in the tests' flavour
/// (packaging/build-bundle.sh --test-methods, -p:HdrOfxTestMethods=true), where they register when the environment
/// variable HDROFX_TEST_METHODS=1 is set as the plug-in loads; the shipped bundle holds none of this. The tests compile
/// the same file, so plug-in and test compute alike.
/// </summary>
public static class TestMethods
{
    public const string EnvVar = "HDROFX_TEST_METHODS";
    public const string Merge = "test-merge";
    public const string Throw = "test-throw";
    public const string NonFinite = "test-nonfinite";

    /// <summary>With <see cref="EnvVar"/>=1 too: Describe fails, so a test can see how a host reports it.</summary>
    public const string FailDescribeEnvVar = "HDROFX_TEST_FAIL_DESCRIBE";

    public static bool DescribeFailureRequested =>
        Environment.GetEnvironmentVariable(EnvVar) == "1" && Environment.GetEnvironmentVariable(FailDescribeEnvVar) == "1";

    public static void RegisterIfRequested()
    {
        if (Environment.GetEnvironmentVariable(EnvVar) == "1") Register();
    }

    public static void Register()
    {
        Reconstructor.Register(Merge, static () => new MergeMethod(), ExposureInput.Any);
        Reconstructor.Register(Throw, static () => new ThrowMethod());
        Reconstructor.Register(NonFinite, static () => new NonFiniteMethod());
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

    /// <summary>The reference frame with one NaN and one +∞: a method gone wrong, which must never reach the host.</summary>
    public sealed class NonFiniteMethod : IReconstructionMethod
    {
        public string Name => NonFinite;

        public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
        {
            var r = frames[refIndex]!.Linear;
            var hdr = new ImageF(r.Width, r.Height, 3);
            r.Data.AsSpan(0, hdr.Data.Length).CopyTo(hdr.Data);
            hdr.Data[0] = float.NaN;
            hdr.Data[^1] = float.PositiveInfinity;
            return new ReconstructResult(hdr, null, null);
        }
    }
}
