using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Profiling;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// HDR-LDM (hdr-v-diff §3.1, DESIGN §5): the <see cref="LatentAutoencoder"/> and the <see cref="LatentDenoiser"/>,
/// sampled with <see cref="DdimSampler"/> from <see cref="PositionalNoise"/>. Children "autoencoder", "denoiser".
/// </summary>
public sealed class HdrLdm : Module
{
    public LdmConfig Config { get; }
    public LatentAutoencoder Autoencoder { get; }
    public LatentDenoiser Denoiser { get; }
    public NoiseSchedule Schedule { get; }
    private readonly object _gate = new();

    /// <summary>
    /// The timestep the DDIM chain starts from. T − 1 (the default) starts from pure noise, as the paper samples. Below
    /// that, sampling starts from the condition's latent noised to that level, z_s = √ᾱ_s·E(c) + √(1 − ᾱ_s)·n (Eq. 2
    /// with E(c) for z₀; Meng et al. 2022, SDEdit): the truth's latent equals E(c) wherever the frame does not clip.
    /// </summary>
    public int SampleStart
    {
        get => _sampleStart ?? Schedule.Timesteps - 1;
        set
        {
            if (value < 0 || value >= Schedule.Timesteps) throw new ArgumentOutOfRangeException(nameof(value), $"the start timestep must be 0 to {Schedule.Timesteps - 1}, got {value}");
            _sampleStart = value;
        }
    }
    private int? _sampleStart;

    /// <summary>The latent lies in (−1, 1) (the encoder ends in tanh), so sampling clamps its x₀ predictions there.</summary>
    public const double LatentBound = 1.0;

    public HdrLdm(LdmConfig config, Rng rng)
    {
        Config = config;
        Autoencoder = RegisterModule("autoencoder", new LatentAutoencoder(config, rng));
        Denoiser = RegisterModule("denoiser", new LatentDenoiser(config, rng));
        Schedule = NoiseSchedule.For(config);
    }

    /// <summary>
    /// The HDR estimate of one linear frame at exposure <paramref name="ev"/> from itself: encode the condition,
    /// DDIM-sample the latent in <paramref name="steps"/> steps (at most <see cref="SampleStart"/> + 1) from the positional noise of <paramref name="seed"/>,
    /// decode beside the condition. Returns radiance planes (3·W·H) in the units of EV 0, at most
    /// <see cref="LdmDomain.CeilingStops"/> stops above the frame's clip point. The frame is padded by replication to a multiple
    /// of <see cref="LdmConfig.SizeMultiple"/> at its right and bottom, so latent pixel (0, 0) is always the image's corner.
    /// </summary>
    public float[] Sample(ImageF linear, double ev, int steps, ulong seed)
    {
        int w = linear.Width, h = linear.Height;
        var y = SampleLatent(linear, ev, steps, seed,
            (z, c) => AutoencoderTiles.DecodeImage(Autoencoder, z, c).Narrow(2, 0, h).Narrow(3, 0, w).Contiguous().ToArray());
        return ToRadiance(y, ev);
    }

    /// <summary>The condition planes of a linear frame (1 = clip), 3·W·H.</summary>
    private static float[] ConditionPlanes(ImageF linear)
    {
        var cond = new float[linear.Data.Length];
        for (int i = 0; i < cond.Length; i++) cond[i] = LdmDomain.Condition(linear.Data[i]);
        return cond;
    }

    /// <summary>Decoded domain values → radiance in EV-0 units, in place, capped <see cref="LdmDomain.CeilingStops"/> above the clip point.</summary>
    public static float[] ToRadiance(float[] y, double ev)
    {
        float s = LdmDomain.RadianceScale(ev), cap = (float)Math.Pow(2.0, LdmDomain.CeilingStops - ev);
        for (int i = 0; i < y.Length; i++) y[i] = Math.Clamp(MuLawDomain.Inverse(y[i], s), 0f, cap);
        return y;
    }

    /// <summary>
    /// What <see cref="Sample"/> would return if sampling found the latent of the truth exactly: the radiance
    /// <paramref name="radiance"/> (EV-0 units) encoded beside the frame, E(x | c), and decoded. The autoencoder's ceiling
    /// for `hdr-ldm`, a diagnostic for validation; the frame's sides must be multiples of <see cref="LdmConfig.Down"/>.
    /// </summary>
    public float[] DecodeTruth(ImageF linear, ImageF radiance, double ev)
    {
        int w = linear.Width, h = linear.Height, n = w * h;
        if (w % LdmConfig.Down != 0 || h % LdmConfig.Down != 0 || radiance.Width != w || radiance.Height != h)
            throw new ArgumentException($"DecodeTruth needs a frame and its truth of the same size, a multiple of {LdmConfig.Down}");
        float s = LdmDomain.RadianceScale(ev);
        var cond = ConditionPlanes(linear);
        var x = new float[3 * n];
        for (int i = 0; i < 3 * n; i++) x[i] = MuLawDomain.Forward(radiance.Data[i], s);
        float[] y;
        lock (_gate)
        {
            using var scope = new TensorScope();
            using var noGrad = GradMode.NoGrad();
            var c = Tensor.FromArray(cond, 1, 3, h, w);
            y = Autoencoder.RoundTrip(Tensor.FromArray(x, 1, 3, h, w), c).ToArray();
        }
        return ToRadiance(y, ev);
    }

    /// <summary>
    /// Samples as <see cref="Sample"/> does and hands the decoder's output on the padded frame (image and multi-scale
    /// features, what ZiCA fuses) to <paramref name="read"/>, inside the model's lock and without gradients.
    /// </summary>
    public T Decoded<T>(ImageF linear, double ev, int steps, ulong seed, Func<DecoderOutput, T> read) =>
        SampleLatent(linear, ev, steps, seed, (z, c) => read(Autoencoder.Decode(z, c)));

    /// <summary>The sampled latent [1, 4, h, w] of the padded frame and its condition [1, 3, 4h, 4w], handed to <paramref name="decode"/> inside the lock.</summary>
    private T SampleLatent<T>(ImageF linear, double ev, int steps, ulong seed, Func<Tensor, Tensor, T> decode)
    {
        int w = linear.Width, h = linear.Height, m = Config.SizeMultiple;
        int pw = (m - w % m) % m, ph = (m - h % m) % m;
        var cond = ConditionPlanes(linear);
        int lw = (w + pw) / LdmConfig.Down, lh = (h + ph) / LdmConfig.Down;
        var z = PositionalNoise.Window(seed, LdmConfig.LatentChannels, 0, 0, lw, lh);
        lock (_gate)
        {
            using var scope = new TensorScope();
            using var noGrad = GradMode.NoGrad();
            var c = Tensor.FromArray(cond, 1, 3, h, w);
            if (pw != 0 || ph != 0) c = c.Pad2d(0, pw, 0, ph, PadMode.Replicate);
            Tensor zc;
            using (OpProfiler.Stage("ldm condition")) zc = DenoiserCondition.Build(Autoencoder, c, tiled: true);
            int start = SampleStart;
            if (start < Schedule.Timesteps - 1)
            {
                var ec = zc.Narrow(1, 0, LdmConfig.LatentChannels).Contiguous().ToArray();
                Schedule.AddNoise(ec, z, start, z);
            }
            float e = (float)ev;
            new DdimSampler(Schedule, LatentBound).Sample(z, Math.Min(steps, start + 1), (zt, t) =>
            {
                using var inner = new TensorScope();
                using var stage = OpProfiler.Stage("ldm denoiser");
                float tf = t;
                return Denoiser.Forward(Tensor.FromArray(zt, 1, LdmConfig.LatentChannels, lh, lw), zc, new[] { tf }, new[] { e }).ToArray();
            }, start);
            using (OpProfiler.Stage("ldm decode")) return decode(Tensor.FromArray(z, 1, LdmConfig.LatentChannels, lh, lw), c);
        }
    }
}
