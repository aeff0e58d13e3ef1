using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Cli.Batch;

/// <summary>
/// The batch path as a pipeline: input frames decoded ahead on worker threads (<see cref="DecodeAhead"/>), the
/// reconstruction on the calling thread (it parallelizes itself), and results scaled, checked, encoded and written behind
/// it (<see cref="WriteBehind"/>). At most <see cref="DecodeAheadFrames"/> decoded and <see cref="WriteQueueFrames"/>
/// finished frames wait, whatever the length of the input.
/// </summary>
public static class BatchReconstruction
{
    public const int DecodeAheadFrames = 3, WriteQueueFrames = 2;

    public static void Run(SequenceReconstructor seq, InputFrames input, FrameRange range, OutputFrames output, float gain,
        IProgress<int>? progress, CancellationToken cancel)
    {
        // The reconstructor reads each frame of [first − r, last + r] (clipped to the input) once, in order.
        int loadFirst = Math.Max(input.Range.First, range.First - seq.Radius);
        int loadLast = Math.Min(input.Range.Last, range.Last + seq.Radius);
        int cores = Environment.ProcessorCount;
        int decoders = input.IsVideo ? 1 : Math.Clamp(cores / 4, 1, 4);
        int writers = output.NeedsOrder ? 1 : Math.Clamp(cores / 4, 1, 4);
        using var writer = new WriteBehind((n, res) =>
        {
            Scale(res.Hdr, gain);
            output.Write(n, res.Hdr);
        }, writers, WriteQueueFrames, cancel);
        using (var decode = new DecodeAhead(input.Load, loadFirst, loadLast, decoders, DecodeAheadFrames, cancel))
        {
            // The reconstructor linearizes each loaded frame into a new image before it loads the next one, so the frame
            // loaded before is dead by then: its buffer (pooled by the decoders) goes back for the frames to come.
            ImageF? previous = null;
            try
            {
                seq.Run(input.Range.First, input.Range.Last, range.First, range.Last, t =>
                {
                    previous?.Dispose();
                    return previous = decode.Take(t);
                }, writer.Post, cancel, progress);
            }
            finally { previous?.Dispose(); }
        }
        writer.Complete();
    }

    private static void Scale(ImageF img, float gain)
    {
        if (gain == 1f) return;
        var d = img.Data;
        for (int i = 0; i < d.Length; i++) d[i] *= gain;
    }
}
