using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Tests.Models.Zica;

/// <summary>Tiny, untrained stand-ins for the three models (no trained weights exist), made to change their outputs.</summary>
internal static class ZicaTestModels
{
    /// <summary>A tiny TCAM whose head is non-zero, so `tcam` differs from classical and the tests compare something.</summary>
    public static TcamNet Tcam(ulong seed = 21)
    {
        var net = new TcamNet(TcamConfig.Tiny, new Rng(seed));
        Fill(net, "decoder.head.", 0.01f);
        net.Eval();
        return net;
    }

    public static HdrLdm Ldm(ulong seed = 22)
    {
        var m = new HdrLdm(LdmConfig.Tiny, new Rng(seed));
        m.Eval();
        return m;
    }

    /// <summary>The three tiny models; <paramref name="trained"/> gives ZiCA's zero-init convolutions random weights.</summary>
    public static HdrVDiff Model(bool trained, ulong seed = 23)
    {
        var tcam = Tcam();
        var ldm = Ldm();
        var zica = HdrVDiff.NewModule(ZicaConfig.Tiny, tcam, ldm, new Rng(seed));
        if (trained) Randomize(zica, ".out.", new Rng(seed + 1), 0.2f);
        return new HdrVDiff(tcam, ldm, zica);
    }

    public static void Fill(HdrOfx.Engine.Nn.Module m, string prefix, float value)
    {
        using (GradMode.NoGrad())
            foreach (var (name, p) in m.NamedParameters())
                if (name.StartsWith(prefix, StringComparison.Ordinal)) p.Fill(value);
    }

    public static void Randomize(HdrOfx.Engine.Nn.Module m, string part, Rng rng, float std)
    {
        using (GradMode.NoGrad())
            foreach (var (name, p) in m.NamedParameters())
                if (name.Contains(part, StringComparison.Ordinal)) rng.FillNormal(p.Span, 0f, std);
    }

    public static ImageF Run(IReconstructionMethod method, IReadOnlyList<FrameInput?> frames, float lambda, int steps = 2) =>
        method.Reconstruct(frames, 1, new ReconstructOptions { PriorStrength = lambda, DiffusionSteps = steps }, default).Hdr;
}
