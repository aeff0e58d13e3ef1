using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Synthesis;
using HdrOfx.Engine.Tests.Synthesis;
using HdrOfx.Engine.Training;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>Small synthetic windows from procedural panoramas (no downloads), for the TCAM tests.</summary>
internal static class TcamTestData
{
    public static readonly IReadOnlyList<ImageF> Panoramas = [ProceduralHdr.Panorama(192, 96, 1), ProceduralHdr.Panorama(192, 96, 2), ProceduralHdr.Panorama(192, 96, 3)];

    public static TcamWindowSampler Sampler(int crop = 32, ulong seed = 5) => new(Panoramas, crop, seed);

    /// <summary>A 3-frame, 2-exposure window (reference in the middle), linearized with the clip's own response.</summary>
    public static FrameInput?[] Window(int size = 36, ulong seed = 9)
    {
        var clip = ClipSynthesizer.Generate(new SynthOptions { Seed = seed, Frames = 3, Width = size, Height = size, MaxThreads = 1 }, Panoramas[0], Panoramas[1]);
        var frames = new FrameInput?[3];
        for (int t = 0; t < 3; t++)
        {
            var lin = clip.Ldr[t].Clone();
            clip.Crf.Invert(lin.Data);
            frames[t] = new FrameInput(lin, clip.Evs[t]);
        }
        return frames;
    }
}
