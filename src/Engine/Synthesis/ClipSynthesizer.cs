using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// Builds synthetic alternating-exposure clips from real HDR images, following DESIGN §4:
/// virtual camera over the background (homography: pan, zoom, roll, keystone, handheld shake), independently
/// moving foreground layers, exposure normalization, per-frame exposure 2^EV, noise in linear space,
/// optional motion blur, camera response, quantization and clipping. Deterministic in the seed.
/// </summary>
public static class ClipSynthesizer
{
    // RNG stream ids: each part of the model draws from its own stream (SynthRandom.Fork).
    private const ulong StreamCamera = 1, StreamForeground = 2, StreamCrf = 3, StreamNormalization = 4, StreamNoiseParams = 5, StreamNoise = 6;

    /// <summary>
    /// Generates a clip. <paramref name="background"/> is scene-linear RGB at any scale (an equirectangular panorama:
    /// it wraps horizontally). <paramref name="foregroundSource"/> textures the foreground layers; when null a
    /// rescaled, rotated region of the background is used. Names only go into the manifest.
    /// </summary>
    public static SyntheticClip Generate(SynthOptions o, ImageF background, ImageF? foregroundSource,
        string? backgroundName = null, string? foregroundName = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(background);
        o.Validate();
        int w = o.Width ?? background.Width, h = o.Height ?? background.Height;
        int frames = o.Frames;
        var pattern = o.ExposurePattern();
        double[] evs = new double[frames];
        for (int t = 0; t < frames; t++) evs[t] = pattern.EvOf(t);
        double evMin = pattern.Evs.Min(), evMax = pattern.Evs.Max();

        var bg = new PanoramaSampler(background, o.Resample);
        var fgSrc = foregroundSource is null ? bg : new PanoramaSampler(foregroundSource, o.Resample);

        // ---- geometry -------------------------------------------------------------------------------------
        var camera = CameraPath.Sample(o, w, h, bg.Width, bg.Height, frames, SynthRandom.Fork(o.Seed, StreamCamera));
        double bgVx = -camera.VelU * o.BaseZoom, bgVy = -camera.VelV * o.BaseZoom;
        var fgRng = SynthRandom.Fork(o.Seed, StreamForeground);
        int layerCount = o.Foreground ? o.ForegroundCount : 0;
        var layers = new ForegroundLayer[layerCount];
        if (layerCount > 0)
        {
            double medianRatio = 1;
            if (foregroundSource is not null)
            {
                double mb = Median(bg.MeanRgb()), mf = Median(fgSrc.MeanRgb());
                if (mb > 0 && mf > 0) medianRatio = mb / mf;
            }
            for (int k = 0; k < layerCount; k++)
            {
                // A separate source is brought to the background's median, then moved ±1 stop; a background-textured
                // layer is pushed 0.5–1.5 stops up or down so it is clearly different.
                double gain = foregroundSource is not null
                    ? medianRatio * Math.Pow(2, fgRng.Uniform(-1, 1))
                    : Math.Pow(2, fgRng.Sign() * fgRng.Uniform(0.5, 1.5));
                layers[k] = ForegroundLayer.Sample(o, w, h, frames, bgVx, bgVy, fgSrc.Width, fgSrc.Height, foregroundSource is null, gain, fgRng);
            }
        }
        var motion = new SceneMotion(camera, layers);

        // ---- radiance (source units) -----------------------------------------------------------------------
        double eMax = Math.Pow(2, evMax);
        var shutter = new double[frames];
        if (o.MotionBlur)
            for (int t = 0; t < frames; t++) shutter[t] = o.Shutter * Math.Pow(2, evs[t]) / eMax; // exposure by shutter time
        bool blur = o.MotionBlur && o.Shutter > 0;
        var sharp = new ImageF[frames];
        var exposed = new ImageF[frames]; // what the sensor integrates: blurred, or the same image as sharp
        var par = new ParallelOptions { MaxDegreeOfParallelism = o.MaxThreads > 0 ? o.MaxThreads : Environment.ProcessorCount };
        Parallel.For(0, frames, par, t =>
        {
            sharp[t] = new ImageF(w, h, 3);
            Render(motion, bg, fgSrc, t, sharp[t], 1f);
            if (blur)
            {
                var acc = new ImageF(w, h, 3);
                int k = o.BlurSamples;
                for (int s = 0; s < k; s++)
                    Render(motion, bg, fgSrc, t + shutter[t] * ((s + 0.5) / k - 0.5), acc, 1f / k);
                exposed[t] = acc;
            }
            else exposed[t] = sharp[t];
        });
        if (blur && o.BlurredGroundTruth)
            for (int t = 0; t < frames; t++) sharp[t] = exposed[t];

        // ---- exposure normalization (DESIGN §4) --------------------------------------------------------------
        var norm = Normalize(o, sharp[0], evMin, evMax, SynthRandom.Fork(o.Seed, StreamNormalization));
        float scale = (float)norm.Scale;
        var hdr = new ImageF[frames];
        for (int t = 0; t < frames; t++)
        {
            var g = sharp[t].Clone();
            var d = g.Data;
            for (int i = 0; i < d.Length; i++) d[i] *= scale;
            hdr[t] = g;
        }

        // ---- camera response, noise ------------------------------------------------------------------------------
        var crf = Crf.Sample(o.Crf, SynthRandom.Fork(o.Seed, StreamCrf));
        var noiseRng = SynthRandom.Fork(o.Seed, StreamNoiseParams);
        var noise = new SynthNoise
        {
            Enabled = o.Noise,
            ReadSigma = o.Noise ? noiseRng.Uniform(o.NoiseSigmaMin, o.NoiseSigmaMax) : 0,
            ShotGain = o.Noise ? noiseRng.Uniform(0, o.ShotNoiseMax) : 0,
        };
        var noisySlots = new List<int>();
        if (o.Noise)
            for (int s = 0; s < pattern.Length; s++)
                if (o.NoiseOnAllExposures || pattern.Evs[s] < evMax) noisySlots.Add(s);
        noise.NoisySlots = noisySlots.ToArray();

        var ldr = new ImageF[frames];
        Parallel.For(0, frames, par, t =>
        {
            bool noisy = noisySlots.Contains(pattern.SlotOf(t));
            ldr[t] = FormLdr(exposed[t], (float)(scale * Math.Pow(2, evs[t])), noisy ? noise : null, crf, o.BitDepth,
                SynthRandom.Fork(o.Seed, StreamNoise, (ulong)t));
        });

        // ---- manifest ------------------------------------------------------------------------------------------------
        var manifest = new SynthManifest
        {
            Seed = o.Seed,
            Options = o,
            BackgroundName = backgroundName,
            ForegroundName = foregroundSource is null ? backgroundName : foregroundName,
            SourceWidth = background.Width,
            SourceHeight = background.Height,
            Width = w,
            Height = h,
            FrameCount = frames,
            PatternEvs = pattern.Evs.ToArray(),
            Phase = pattern.Phase,
            Crf = crf,
            TransferName = crf.TransferName,
            BitDepth = o.BitDepth,
            Normalization = norm,
            Noise = noise,
            Camera = camera,
            Layers = [.. layers],
        };
        for (int t = 0; t < frames; t++)
        {
            manifest.Frames.Add(new SynthFrame
            {
                Index = t,
                Slot = pattern.SlotOf(t),
                Ev = evs[t],
                Noisy = noisySlots.Contains(pattern.SlotOf(t)),
                Shutter = shutter[t],
                Camera = camera.At(t).ToArray(),
                Layers = layers.Select(l => l.At(t).ToArray()).ToList(),
            });
        }
        return new SyntheticClip(ldr, hdr, evs, pattern, crf, manifest, motion);
    }

    /// <summary>Adds the scene at time <paramref name="time"/>, times <paramref name="weight"/>, into <paramref name="dst"/>.</summary>
    private static void Render(SceneMotion motion, PanoramaSampler bg, PanoramaSampler fg, double time, ImageF dst, float weight)
    {
        int w = dst.Width, h = dst.Height, n = dst.PlaneSize;
        var cam = motion.Camera.At(time);
        var poses = motion.PosesAt(time);
        var d = dst.Data;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                cam.Apply(x, y, out double u, out double v);
                bg.Sample(u, v, out float r, out float g, out float b);
                foreach (var p in poses)
                {
                    float a = p.Alpha(x, y, out double qx, out double qy);
                    if (a <= 0) continue;
                    p.Layer.TextureCoords(qx, qy, out double tu, out double tv);
                    fg.Sample(tu, tv, out float fr, out float fgc, out float fb);
                    float gain = (float)p.Layer.Gain;
                    r += a * (gain * fr - r);
                    g += a * (gain * fgc - g);
                    b += a * (gain * fb - b);
                }
                int i = y * w + x;
                d[i] += weight * r;
                d[n + i] += weight * g;
                d[2 * n + i] += weight * b;
            }
    }

    /// <summary>
    /// DESIGN §4: low reference → peak = max(H)·U(0.1, 1) clips in the lowest exposure; high reference → the
    /// U(98, 100)-th percentile clips in the highest exposure. H is frame 0's sharp radiance, max over RGB per pixel.
    /// </summary>
    private static SynthNormalization Normalize(SynthOptions o, ImageF frame0, double evMin, double evMax, SynthRandom rng)
    {
        int n = frame0.PlaneSize;
        var m = new float[n];
        var d = frame0.Data;
        for (int i = 0; i < n; i++) m[i] = MathF.Max(d[i], MathF.Max(d[n + i], d[2 * n + i]));
        Array.Sort(m);
        double max = m[n - 1], median = m[n / 2];
        var mode = o.Normalization;
        double coin = rng.NextDouble(), u1 = rng.NextDouble(), u2 = rng.NextDouble(); // always drawn: stable streams
        if (mode == NormalizationMode.Random) mode = coin < 0.5 ? NormalizationMode.LowReference : NormalizationMode.HighReference;
        var r = new SynthNormalization { Mode = mode, SourceMax = max, SourceMedian = median };
        if (mode == NormalizationMode.LowReference)
        {
            r.ReferenceEv = evMin;
            r.PeakFactor = 0.1 + 0.9 * u1;
            r.Percentile = 100;
            r.Peak = max * r.PeakFactor;
        }
        else
        {
            r.ReferenceEv = evMax;
            r.Percentile = 98 + 2 * u2;
            r.Peak = m[(int)Math.Round(r.Percentile / 100 * (n - 1))];
        }
        if (!(r.Peak > 0)) r.Peak = max > 0 ? max : 1; // black frames: any scale will do
        r.Scale = 1 / (r.Peak * Math.Pow(2, r.ReferenceEv));
        if (o.MinHighExposureMedian > 0 && median > 0)
        {
            double floor = o.MinHighExposureMedian / (median * Math.Pow(2, evMax));
            if (r.Scale < floor) { r.Scale = floor; r.MedianFloorApplied = true; }
        }
        return r;
    }

    /// <summary>Sensor x = gain·radiance (+ Poisson-Gaussian noise), clip to [0,1], f(x), quantize.</summary>
    private static ImageF FormLdr(ImageF radiance, float gain, SynthNoise? noise, Crf crf, int bits, SynthRandom rng)
    {
        var ldr = new ImageF(radiance.Width, radiance.Height, 3);
        var src = radiance.Data;
        var dst = ldr.Data;
        float levels = (1 << bits) - 1;
        double sigma = noise?.ReadSigma ?? 0, a = noise?.ShotGain ?? 0;
        for (int i = 0; i < dst.Length; i++)
        {
            double x = src[i] * gain;
            if (noise is not null)
            {
                // Far above the clip point the noisy value clips anyway: skip drawing (keeps suns cheap).
                double sd = Math.Sqrt(sigma * sigma + a * Math.Max(x, 0));
                if (x < 1 + 8 * sd)
                {
                    if (a > 0) x = a * rng.Poisson(Math.Max(x, 0) / a);
                    x += sigma * rng.Normal();
                }
            }
            float y = crf.Apply((float)Math.Clamp(x, 0, 1));
            dst[i] = MathF.Round(y * levels) / levels;
        }
        return ldr;
    }

    private static double Median(float[] values)
    {
        if (values.Length == 0) return 0;
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
