using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cuda;

namespace HdrOfx.Engine.Models;

/// <summary>
/// Where `tcam`'s network runs (issue 13, item 7). When a CUDA backend is found, a copy of the CPU model is moved to the
/// device once (on the first frame, under a lock; again only if the shared model is replaced), each frame's input is
/// uploaded, the forward pass runs there as one whole image (no tiles: tiles exist to bound CPU memory and run on
/// several threads, which would share the backend's stream), and the residual is copied back. The classical merge,
/// the flows, the input planes and <see cref="TcamReconstruction.ApplyResidual"/> stay on the CPU.
/// Without a device, or after any failure on it (a CUDA error, an op the backend lacks, the device running out of
/// memory), the frame is computed by the CPU path (<see cref="TcamReconstruction.Infer"/>) and every later frame too:
/// the fallback is sticky and logged once, and no exception from the device reaches the caller.
/// </summary>
public sealed class TcamDevice
{
    private readonly Func<(CudaBackend? Backend, string Reason)> _open;
    private readonly Action<string>? _log;
    private readonly object _gate = new();
    private CudaBackend? _gpu;
    private TcamNet? _source, _copy;
    private volatile string? _fallback;

    /// <param name="open">Finds the backend (called once, on the first frame); null with the reason when there is none.</param>
    /// <param name="log">Receives the one-line messages (device chosen, fallback); null: <see cref="Log"/>.</param>
    public TcamDevice(Func<(CudaBackend? Backend, string Reason)> open, Action<string>? log = null)
    {
        _open = open;
        _log = log;
    }

    /// <summary>The process-wide placement the registered `tcam` method uses: the engine's CUDA device when there is one.</summary>
    public static TcamDevice Shared { get; } = new(() => (CudaEngine.TryGet(out string why), why));

    /// <summary>Always the CPU (the trainer's validation and the tests of the CPU path).</summary>
    public static TcamDevice Cpu { get; } = new(() => (null, "the CPU was asked for"), log: _ => { });

    /// <summary>Where messages of placements without their own log go (the CLI sets its logger; default: standard error).</summary>
    public static Action<string> Log { get; set; } = m => Console.Error.WriteLine("hdrofx: " + m);

    /// <summary>The device the forward pass runs on now; null before the first frame and on the CPU.</summary>
    public Device? ActiveDevice { get { lock (_gate) return _fallback is null ? _gpu?.Device : null; } }

    /// <summary>Why the CPU is used (null while the device is in use or not yet tried).</summary>
    public string? FallbackReason => _fallback;

    /// <summary>The μ-law residual planes (3·W·H) of one sample, on the device when possible, else on the CPU.</summary>
    public float[] Infer(TcamNet net, TcamSample sample)
    {
        if (_fallback is null)
        {
            lock (_gate)
            {
                if (_fallback is null)
                {
                    try
                    {
                        var gpu = Backend();
                        if (gpu is not null) return InferOn(gpu, net, sample);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        FallBack($"tcam: the CUDA forward pass failed, this and every later frame run on the CPU: {e.GetType().Name}: {OneLine(e.Message)}");
                    }
                }
            }
        }
        return TcamReconstruction.Infer(net, sample);
    }

    /// <summary>The backend, opened on first use; null (and the fallback set) when there is none.</summary>
    private CudaBackend? Backend()
    {
        if (_gpu is not null) return _gpu;
        var (gpu, why) = _open();
        if (gpu is null)
        {
            FallBack($"tcam runs on the CPU: {why}");
            return null;
        }
        _gpu = gpu;
        Write($"tcam runs on {gpu.Device} ({gpu.Api.Description})");
        return gpu;
    }

    private float[] InferOn(CudaBackend gpu, TcamNet net, TcamSample sample)
    {
        var model = DeviceCopy(gpu, net);
        int w = sample.Width, h = sample.Height;
        int pw = (4 - w % 4) % 4, ph = (4 - h % 4) % 4;
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        var b = TcamSample.Stack(new[] { sample });
        if (pw != 0 || ph != 0) // on the CPU, as TcamReconstruction.Infer pads
            b = b with
            {
                Reference = b.Reference.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                Neighbours = b.Neighbours.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                Flows = b.Flows.Pad2d(0, pw, 0, ph, PadMode.Replicate),
                Classical = b.Classical.Pad2d(0, pw, 0, ph, PadMode.Replicate),
            };
        var d = new TcamBatch(b.Reference.To(gpu.Device), b.Neighbours.To(gpu.Device), b.Flows.To(gpu.Device), b.Classical.To(gpu.Device), b.NeighbourCount);
        var r = model.Residual(d).Narrow(2, 0, h).Narrow(3, 0, w).Contiguous();
        return r.ToArray(); // synchronizes the stream
    }

    /// <summary>The residual of a batch (H, W multiples of 4) on the device, or null if the device is not used (gpu-check, the tests).</summary>
    public float[]? TryResidual(TcamNet net, TcamBatch batch)
    {
        lock (_gate)
        {
            if (_fallback is not null) return null;
            try
            {
                var gpu = Backend();
                if (gpu is null) return null;
                var model = DeviceCopy(gpu, net);
                using var scope = new TensorScope();
                using var noGrad = GradMode.NoGrad();
                var d = new TcamBatch(batch.Reference.To(gpu.Device), batch.Neighbours.To(gpu.Device), batch.Flows.To(gpu.Device),
                    batch.Classical.To(gpu.Device), batch.NeighbourCount);
                return model.Residual(d).ToArray();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                FallBack($"tcam: the CUDA forward pass failed, the CPU is used from now on: {e.GetType().Name}: {OneLine(e.Message)}");
                return null;
            }
        }
    }

    /// <summary>The device copy of <paramref name="net"/>'s weights, made once per CPU model (a new shared model replaces it).</summary>
    private TcamNet DeviceCopy(CudaBackend gpu, TcamNet net)
    {
        if (_copy is not null && ReferenceEquals(_source, net)) return _copy;
        Release();
        using var outside = TensorScope.Suspend(); // the copy outlives the caller's scope
        var copy = new TcamNet(net.Config, new Rng(0));
        try
        {
            using (GradMode.NoGrad()) copy.LoadStateDict(net.StateDict(), strict: true);
            copy.Eval();
            copy.To(gpu.Device);
            copy.InferenceTile = 0;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        gpu.Synchronize();
        _copy = copy;
        _source = net;
        return copy;
    }

    private void FallBack(string message)
    {
        _fallback = message;
        Release();
        Write(message);
    }

    /// <summary>Frees the device copy; a device that already failed may fail again here, which changes nothing.</summary>
    private void Release()
    {
        var copy = _copy;
        _copy = null;
        _source = null;
        try { copy?.Dispose(); }
        catch (Exception) { /* the weights' blocks are lost with the broken context; the CPU path needs none of them */ }
    }

    private void Write(string message)
    {
        try { (_log ?? Log)(message); }
        catch (Exception) { /* a failing log sink must not fail the frame */ }
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
