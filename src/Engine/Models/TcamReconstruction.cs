using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Models;

/// <summary>
/// The `tcam` method: the classical merge, each neighbour's classical flow (computed again with the merge's flow
/// options: the merge does not hand its flows out), then <see cref="TcamNet"/>'s μ-law residual:
/// H = c + T⁻¹(T(c) + r) − T⁻¹(T(c)), so r = 0 gives the classical merge c bit for bit. Residuals smaller than
/// <see cref="ResidualDeadZone"/> are dropped and larger ones shrunk by it (a soft threshold): they change from frame
/// to frame on still pixels and were all the flicker tcam added over classical (docs/results.md).
/// </summary>
public sealed class TcamReconstruction : IReconstructionMethod
{
    private readonly Func<TcamNet> _net;
    private readonly TcamDevice _device;
    private static readonly object ForwardGate = new();

    /// <param name="device">Where the network runs (<see cref="TcamDevice"/>); null: the CPU.</param>
    public TcamReconstruction(Func<TcamNet> net, TcamDevice? device = null)
    {
        _net = net;
        _device = device ?? TcamDevice.Cpu;
    }

    public TcamReconstruction(TcamNet net, TcamDevice? device = null) : this(() => net, device) { }

    public string Name => "tcam";

    /// <summary>
    /// τ of the soft threshold r ↦ sign(r)·max(|r| − τ, 0) on the μ-law residual. Chosen on the synth-bench/1 clips
    /// made from training panoramas (training/tcam-deadzone): the smallest τ of 0.001·2^k with every such clip's
    /// flicker at most classical's, except bench02, which no τ changes.
    /// </summary>
    public const float ResidualDeadZone = 0.004f;

    /// <summary>The soft threshold sign(r)·max(|r| − τ, 0).</summary>
    public static float Shrink(float r, float tau) => r > tau ? r - tau : r < -tau ? r + tau : 0f;

    public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
    {
        Reconstructor.Validate(frames, refIndex);
        var net = _net();
        var (classical, sample) = Prepare(frames, refIndex, options, cancel, pooled: true);
        if (sample is null) return classical;
        ReconstructResult result;
        using (sample) result = classical.ReplaceHdr(ApplyResidual(sample, _device.Infer(net, sample)));
        FrameGarbage.AfterFrame();
        return result;
    }

    /// <summary>The classical merge and the network's input built on it; the sample is null when no neighbour is present.</summary>
    /// <param name="pooled">The sample's arrays come from the tensor arena; the caller disposes the sample (see <see cref="TcamSample.Build"/>).</param>
    public static (ReconstructResult Classical, TcamSample? Sample) Prepare(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel,
        bool pooled = false)
    {
        var classical = new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow).Reconstruct(frames, refIndex, options, cancel);
        var reference = frames[refIndex]!;
        var flows = new FlowField?[frames.Count];
        var neighbours = Enumerable.Range(0, frames.Count).Where(i => i != refIndex && frames[i] is not null).ToArray();
        if (neighbours.Length == 0) return (classical, null);
        cancel.ThrowIfCancellationRequested();
        ParallelRange.Jobs(neighbours.Length, new FlowJobs(frames, reference, neighbours, flows)); // one solve per core, as the merge does
        cancel.ThrowIfCancellationRequested();
        return (classical, TcamSample.Build(frames, refIndex, classical.Hdr, flows, pooled));
    }

    private readonly struct FlowJobs(IReadOnlyList<FrameInput?> frames, FrameInput reference, int[] neighbours, FlowField?[] flows) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            for (int j = s; j < e; j++)
            {
                var f = frames[neighbours[j]]!;
                flows[neighbours[j]] = OpticalFlow.Compute(reference.Linear, reference.Ev, f.Linear, f.Ev, ClassicalReconstruction.MergeFlowDefaults);
            }
        }
    }

    /// <summary>
    /// The residual planes (3·W·H) for one sample; pads to a multiple of 4 by replication and crops back.
    /// <paramref name="fusion"/> (called inside the forward pass's tensor scope) hooks the decoder's scales.
    /// </summary>
    public static float[] Infer(TcamNet net, TcamSample sample, Func<ITemporalFusion>? fusion = null)
    {
        int w = sample.Width, h = sample.Height;
        int pw = (4 - w % 4) % 4, ph = (4 - h % 4) % 4;
        lock (ForwardGate)
        {
            using var scope = new TensorScope();
            using var noGrad = GradMode.NoGrad();
            var b = TcamSample.Stack(new[] { sample });
            if (pw != 0 || ph != 0)
                b = b with
                {
                    Reference = b.Reference.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                    Neighbours = b.Neighbours.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                    Flows = b.Flows.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                    Classical = b.Classical.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                };
            var r = net.Residual(b, fusion?.Invoke()).Narrow(2, 0, h).Narrow(3, 0, w).Contiguous();
            return r.ToArray();
        }
    }

    /// <summary>H = c + T⁻¹(T(c) + r') − T⁻¹(T(c)) per value with r' = <see cref="Shrink"/>(r, τ) (r' = 0 leaves c unchanged, bit for bit).</summary>
    public static ImageF ApplyResidual(TcamSample sample, float[] residual, float deadZone = ResidualDeadZone)
    {
        var c = sample.ClassicalHdr;
        var hdr = new ImageF(c.Width, c.Height, 3);
        ParallelRange.For(3 * c.PlaneSize, 1 << 15, new ResidualBody(c.Data, sample.Classical, residual, hdr.Data, sample.Scale, deadZone));
        return hdr;
    }

    private readonly struct ResidualBody(float[] c, float[] classicalMu, float[] residual, float[] hdr, float s, float tau) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int p = start; p < end; p++)
            {
                float r = Shrink(residual[p], tau);
                if (r == 0f) { hdr[p] = c[p]; continue; }
                float mu = classicalMu[p];
                hdr[p] = MathF.Max(c[p] + MuLawDomain.Inverse(mu + r, s) - MuLawDomain.Inverse(mu, s), 0f);
            }
        }
    }
}

/// <summary>
/// Registration of `tcam` (by the CLI's and the plug-in's start-up code); weights come from <see cref="TcamWeights.Shared"/>,
/// and the network runs on the engine's CUDA device when there is one (<see cref="TcamDevice.Shared"/>).
/// </summary>
public static class TcamMethods
{
    public static void Register() => Reconstructor.Register("tcam", () => new TcamReconstruction(TcamWeights.Shared, TcamDevice.Shared));
}
