using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
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
    /// DDIM-sample the latent in <paramref name="steps"/> steps from the positional noise of <paramref name="seed"/>,
    /// decode beside the condition. Returns radiance planes (3·W·H) in the units of EV 0, at most
    /// <see cref="LdmDomain.CeilingStops"/> stops above the frame's clip point. The frame is padded by replication to a multiple
    /// of <see cref="LdmConfig.SizeMultiple"/> at its right and bottom, so latent pixel (0, 0) is always the image's corner.
    /// </summary>
    public float[] Sample(ImageF linear, double ev, int steps, ulong seed)
    {
        int w = linear.Width, h = linear.Height;
        var y = SampleLatent(linear, ev, steps, seed,
            (z, c) => AutoencoderTiles.DecodeImage(Autoencoder, z, c).Narrow(2, 0, h).Narrow(3, 0, w).Contiguous().ToArray());
        float s = LdmDomain.RadianceScale(ev), cap = (float)Math.Pow(2.0, LdmDomain.CeilingStops - ev);
        for (int i = 0; i < y.Length; i++) y[i] = Math.Clamp(MuLawDomain.Inverse(y[i], s), 0f, cap);
        return y;
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
        int w = linear.Width, h = linear.Height, n = w * h, m = Config.SizeMultiple;
        int pw = (m - w % m) % m, ph = (m - h % m) % m;
        var cond = new float[3 * n];
        for (int i = 0; i < 3 * n; i++) cond[i] = LdmDomain.Condition(linear.Data[i]);
        int lw = (w + pw) / LdmConfig.Down, lh = (h + ph) / LdmConfig.Down;
        var z = PositionalNoise.Window(seed, LdmConfig.LatentChannels, 0, 0, lw, lh);
        lock (_gate)
        {
            using var scope = new TensorScope();
            using var noGrad = GradMode.NoGrad();
            var c = Tensor.FromArray(cond, 1, 3, h, w);
            if (pw != 0 || ph != 0) c = c.Pad2d(0, pw, 0, ph, PadMode.Replicate);
            var zc = DenoiserCondition.Build(Autoencoder, c, tiled: true);
            float e = (float)ev;
            new DdimSampler(Schedule, LatentBound).Sample(z, steps, (zt, t) =>
            {
                using var inner = new TensorScope();
                float tf = t;
                return Denoiser.Forward(Tensor.FromArray(zt, 1, LdmConfig.LatentChannels, lh, lw), zc, new[] { tf }, new[] { e }).ToArray();
            });
            return decode(Tensor.FromArray(z, 1, LdmConfig.LatentChannels, lh, lw), c);
        }
    }
}
